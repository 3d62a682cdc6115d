//! Phrases in which a code word does not announce a one-time code:
//! "promo code", "ZIP code", "error code", "booking confirmation code",
//! "Gutscheincode", "code promo", "código de descuento", "código de cita".
//! A keyword found inside one of them is ignored.

/// Compounds ending in a `Tail` keyword that are not one-time codes.
#[rustfmt::skip]
const TAIL_EXCLUSIONS: &[&str] = &[
    "bar", "zip", "post", "postal", "promo", "rabatt", "rabat", "gutschein", "gift", "coupon",
    "voucher", "discount", "qr", "en", "de", "uni", "x", "geo", "source", "area", "dress", "sort",
    "swift", "kunden", "referral", "invite", "bonus", "pro",
];

/// Words among the two right before a keyword that make it a non-OTP
/// code ("promo code", "ZIP code", "booking confirmation code").
#[rustfmt::skip]
const DISQUALIFY_BEFORE: &[&str] = &[
    "promo", "promotional", "discount", "coupon", "voucher", "gift", "referral", "invite",
    "invitation", "bonus", "reward", "zip", "postal", "post", "area", "country", "qr", "source",
    "dress", "bar", "booking", "reservation", "tracking", "order", "product", "item", "swift",
    "sort", "kupon", "error", "status", "response", "exit", "reference", "ref", "ticket",
    "appointment", "flight", "seat", "door", "gate", "locker", "parcel", "package",
];

/// Words right after a keyword that make it a non-OTP code ("code promo").
#[rustfmt::skip]
const DISQUALIFY_AFTER: &[&str] = &[
    "promo", "promocional", "promozionale", "postal", "sconto", "rabatowy", "indirim", "diskon",
    "giảm giá", "优惠", "折扣", "クーポン", "할인", "쿠폰",
];

/// Nouns that make "código de …", "code de …", "codice di …" a non-OTP code.
#[rustfmt::skip]
const DISQUALIFY_OF: &[&str] = &[
    "descuento", "desconto", "promoción", "promoção", "réduction", "parrainage", "rastreo",
    "seguimiento", "rastreio", "rastreamento", "suivi", "cita", "barras", "barra", "barre",
    "regalo", "presente", "cadeau", "referido", "indicação", "invitación", "invito", "reserva",
    "réservation", "prenotazione", "envío", "envio", "pedido", "commande", "ordine", "producto",
    "produto", "prodotto", "cliente", "client", "socio", "país", "pays", "paese", "área", "error",
    "erro", "erreur", "errore", "estado", "stato", "cupón", "cupom", "coupon", "spedizione",
    "colis", "vuelo", "voo", "vol", "volo", "agendamento", "consulta", "turno", "mesa",
];

/// True when the words right after a keyword make it a non-OTP code.
pub(super) fn disqualified_after(after: &str) -> bool {
    let head = after.trim_start_matches(|c: char| c.is_whitespace() || c == '-');
    let starts = |w: &&str| {
        head.get(..w.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(w))
    };
    if DISQUALIFY_AFTER.iter().any(starts) {
        return true;
    }
    // "código de cita", "code de suivi", "codice di sconto", "código do pedido"
    let mut words = head
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty());
    let of = ["de", "di", "do", "da", "du", "del", "della", "dello", "des"];
    match (words.next(), words.next(), words.next()) {
        (Some(p), Some(noun), next) if of.iter().any(|o| o.eq_ignore_ascii_case(p)) => {
            let noun = match next {
                Some(n) if ["la", "le", "el", "o", "a", "il", "l"].contains(&noun) => n,
                _ => noun,
            };
            DISQUALIFY_OF
                .iter()
                .any(|w| w.eq_ignore_ascii_case(noun) || *w == noun.to_lowercase())
        }
        _ => false,
    }
}

/// True when one of the two words right before a keyword makes it a
/// non-OTP code.
pub(super) fn disqualified_before(before: &str) -> bool {
    let mut rest = before;
    for _ in 0..2 {
        let lead = rest.trim_end_matches(|c: char| c.is_whitespace() || c == '-');
        let n = lead
            .bytes()
            .rev()
            .take_while(u8::is_ascii_alphabetic)
            .count();
        if n == 0
            || lead[..lead.len() - n]
                .chars()
                .next_back()
                .is_some_and(char::is_alphabetic)
        {
            return false;
        }
        let word = &lead[lead.len() - n..];
        if DISQUALIFY_BEFORE
            .iter()
            .any(|w| w.eq_ignore_ascii_case(word))
        {
            return true;
        }
        rest = &lead[..lead.len() - n];
    }
    false
}

/// A glued prefix is fine when absent or not a known non-OTP compound.
pub(super) fn tail_ok(prefix: &str) -> bool {
    if prefix.is_empty() {
        return true;
    }
    let lower = prefix.to_lowercase();
    !TAIL_EXCLUSIONS
        .iter()
        .any(|x| lower == *x || (x.len() > 2 && lower.ends_with(x)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_before() {
        assert!(disqualified_before("Use your promo "));
        assert!(disqualified_before("Your booking confirmation "));
        assert!(disqualified_before("Error "));
        assert!(disqualified_before("gift card "));
        assert!(!disqualified_before("Your verification "));
        assert!(!disqualified_before("Ticket 4821: your "));
        assert!(!disqualified_before("Acme order has shipped. Your "));
    }

    #[test]
    fn words_after() {
        assert!(disqualified_after(" promo: SOLDES20"));
        assert!(disqualified_after(" postal es 28001"));
        assert!(disqualified_after(" de descuento VERANO24"));
        assert!(disqualified_after(" de la cita: 4821"));
        assert!(disqualified_after(" do pedido 4821"));
        assert!(!disqualified_after(" de verificación es 4821"));
        assert!(!disqualified_after(" de WhatsApp: 582-091"));
        assert!(!disqualified_after(" is 4821"));
    }

    #[test]
    fn compounds() {
        assert!(tail_ok("") && tail_ok("Bestätigungs") && tail_ok("verificatie"));
        assert!(!tail_ok("bar") && !tail_ok("Gutschein") && !tail_ok("promo") && !tail_ok("zip"));
    }
}
