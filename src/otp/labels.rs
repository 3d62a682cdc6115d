//! Labels that say what a number is when it is not a code: the chars
//! right next to it (`$1,234.56`, `14:30`, `12/05`, `#4821`, `**** 4821`),
//! the words right before it (order, reference, card ending, account,
//! phone, amount, in 20+ languages; currency signs and codes; "Reply STOP
//! to 12345") and the units right after it (minutes, EUR, 元, 年).

use std::sync::LazyLock;

use regex::Regex;

use super::normalize::{head_chars, tail_chars};
use super::span::Span;

fn re(pattern: &str) -> Regex {
    super::compile(pattern)
}

/// Words that label the number right after them as something other than a
/// code (order, reference, card, account, phone, amount, ...). Latin,
/// Cyrillic and Vietnamese words must stand alone; words of scripts without
/// spaces (CJK, Thai) or with attached particles (Arabic, Hebrew) need not.
static NEG_WORD: LazyLock<Regex> = LazyLock::new(|| {
    // Longest first, so that `orden` is tried before `ord`.
    let mut words: Vec<&str> = concat!(
        r"orders?|ord|ref|reference|ticket|case|invoice|inv|booking|reservation|pnr|flight|train|seat|",
        r"gate|room|tracking|track|parcel|package|shipment|awb|accounts?|acct|a/c|cards?|ending|ends|tail|",
        r"member|membership|customer|cust|policy|claim|id|no|nr|num|number|tel|phone|mobile|call|fax|zip|",
        r"postcode|amount|amt|total|balance|bal|utr|rrn|ifsc|iban|build|version|ver|model|serial|imei|",
        r"batch|lot|store|branch|route|bus|vehicle|plate|ext|extension|unit|apt|apartment|suite|box|agent|",
        r"employee|staff|user|uid|vpa|points|",
        // Romance, Germanic, Slavic, Turkish, Indonesian, Vietnamese
        r"pedido|orden|referencia|cuenta|tarjeta|terminada en|termina en|envío|envio|seguimiento|factura|",
        r"número|teléfono|llama al|importe|monto|saldo|commande|réf|référence|compte|carte|",
        r"se terminant par|colis|suivi|numéro|tél|montant|solde|dossier|bestellung|auftrag|kundennummer|",
        r"konto|karte|endet auf|sendung|rechnung|nummer|betrag|kontostand|conta|cartão|cartao|final|",
        r"terminado em|encomenda|objeto|rastreio|fatura|valor|ordine|conto|carta|termina con|spedizione|",
        r"fattura|numero|importo|pratica|bestelling|rekening|kaart|eindigend op|pakket|zending|factuur|",
        r"bedrag|zamówienie|zamowienie|rach|rachunek|karty?|przesyłka|paczka|faktura|numer|kwota|",
        r"dyspozycji|заказ|номер|сч[её]т|карт[аыойу]|посылка|отправление|трек|сумма|баланс|договор|",
        r"замовлення|рахунок|картк[аиу]|посилка|відправлення|сума|sipariş|siparis|hesap|kart|kartınız|",
        r"kartiniz|takip|kargo|tutar|bakiye|numara|pesanan|kartu|resi|nomor|jumlah|tagihan|đơn hàng|",
        r"don hang|tk|tài khoản|tai khoan|thẻ|so du|số dư|sd|hotline|",
        // scripts without word spaces or with attached particles
        r"رقم|طلب|حساب|بطاقة|تنتهي|شحنة|مبلغ|رصيد|فاتورة|شماره|سفارش|کارت|مانده|پیگیری|खाता|कार्ड|",
        r"ऑर्डर|संख्या|राशि|पीएनआर|नंबर|订单|訂單|尾号|尾號|卡号|账号|帳號|账户|帳戶|单号|單號|快件|运单|金额|",
        r"余额|编号|編號|客服|电话|電話|热线|注文番号|伝票番号|口座|末尾|金額|残高|お問い合わせ|주문|계좌|카드|",
        r"송장|금액|잔액|문의|고객센터|전화|승인번호|คำสั่งซื้อ|บัญชี|บัตร|พัสดุ|หมายเลข|ยอด|เลขที่|הזמנה|",
        r"חשבון|כרטיס|משלוח|מספר|סכום|יתרה",
    )
    .split('|')
    .collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    re(&format!("(?i){}", words.join("|")))
});

/// Currency signs and ISO-style codes written right before an amount.
const CURRENCY_SIGNS: &str = "$€£¥₹₪₩฿₫₽₺₴₦￥";
#[rustfmt::skip]
const CURRENCY_CODES: &[&str] = &[
    "inr", "rs", "usd", "eur", "gbp", "aed", "sar", "tl", "try", "pln", "brl", "rp", "idr", "vnd",
    "uah", "rub", "chf", "jpy", "cny", "rmb", "krw", "thb", "ils", "nis", "sgd", "myr", "php", "mxn",
    "cop", "ars", "clp", "zar", "ngn", "kes", "egp", "irr",
];

/// Verbs of unsubscribe instructions ("Reply STOP to 12345").
static REPLY_VERB: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:^|[^\p{L}])(?:reply|text|txt|send|sms|envía|envia|responde|envoyez|envoie|sende|invia)[^\p{L}]",
    )
});

/// Units and markers right after a number that make it an amount, a
/// duration, a date part or a card ending.
static NEG_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    re(concat!(
        r"(?i)^\s*(?:(?:min|mins|minutes?|minuten|minutos?|minuti|minuut|minut|минут[аы]?|хвилин[иа]?|dakika|",
        r"menit|phút|phut|seconds?|secs?|hours?|hrs?|days?|segundos|horas|heures|stunden|giây|giay|",
        r"points|pts|miles|meilen|puntos|km|kg|gb|mb|",
        r"€|\$|£|₹|₪|zł|kr|tl|try|pln|eur|usd|gbp|inr|aed|sar|uah|rub|руб|р|грн|vnd|rp|brl|chf|jpy|cny|",
        r"rmb|krw|thb|ils|ile biten|ending|ends)(?:[^\p{L}]|$)",
        r"|ريال|ریال|تومان|دقيقة|دقائق|دقیقه|บาท|นาที|דקות|₪|मिनट|रुपये|で終わる|로 끝나는",
        r"|[年月日时時点點分秒元円圓块塊원년월일시호号號次个個件位名人天条張张%％개회]",
        r")",
    ))
});

/// Why a candidate is not a code, judged from the chars right next to it.
pub(crate) fn adjacent_reject(text: &str, s: &Span) -> Option<&'static str> {
    let mut back = text[..s.start].chars().rev();
    let (p, p2, p3) = (back.next(), back.next(), back.next());
    let mut fwd = text[s.end..].chars();
    let (n, n2, n3) = (fwd.next(), fwd.next(), fwd.next());
    let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
    let star = |c: Option<char>| matches!(c, Some('*' | '•' | '●' | '＊'));
    let masked = |c: Option<char>| star(c) || matches!(c, Some('X' | 'x'));
    // `**** 4300`, `6037-****`, `XXXX 1234`: a run of mask chars.
    let mask_run = |a: Option<char>, b: Option<char>| star(a) || (masked(a) && masked(b));
    let sep = |c: Option<char>| c.is_some_and(super::normalize::is_code_separator);
    if (matches!(p, Some('.' | ',')) && digit(p2)) || (matches!(n, Some('.' | ',')) && digit(n2)) {
        return Some("number");
    }
    if (p == Some(':') && digit(p2)) || (n == Some(':') && digit(n2)) {
        return Some("time");
    }
    if matches!(p, Some('/' | '\\')) || matches!(n, Some('/' | '\\')) {
        return Some("date-or-path");
    }
    if matches!(n, Some('%' | '％')) {
        return Some("percent");
    }
    if matches!(p, Some('#' | '№' | '＃' | '+' | '…'))
        || masked(p)
        || (p == Some('.') && p2 == Some('.'))
    {
        return Some("reference");
    }
    if (sep(p) && mask_run(p2, p3)) || (sep(n) && mask_run(n2, n3)) {
        return Some("masked");
    }
    None
}

/// Why a candidate is not a code, judged from the words before it (only
/// the text after the closest keyword is passed in). The label must sit
/// right before the number: at most 16 non-digits in between.
pub(crate) fn negative_before(window: &str) -> Option<&'static str> {
    let window = tail_chars(window, 48);
    let label_start = window
        .rfind(|c: char| c.is_ascii_digit() || c == '\n')
        .map_or(0, |i| i + 1);
    let label = &window[label_start..];
    let trimmed = label.trim_end();
    let last = trimmed.chars().next_back()?;
    if CURRENCY_SIGNS.contains(last) || trimmed.ends_with("人民币") {
        return Some("amount");
    }
    let word = trimmed.trim_end_matches('.');
    let letters = word
        .bytes()
        .rev()
        .take_while(u8::is_ascii_alphabetic)
        .count();
    let code = &word[word.len() - letters..];
    let alone = !word[..word.len() - letters]
        .chars()
        .next_back()
        .is_some_and(char::is_alphanumeric);
    if letters > 0 && alone && CURRENCY_CODES.iter().any(|c| c.eq_ignore_ascii_case(code)) {
        return Some("amount");
    }
    for m in NEG_WORD.find_iter(label) {
        let bounded = m
            .as_str()
            .starts_with(|c: char| (c as u32) < 0x0590 || ('\u{1E00}'..='\u{1EFF}').contains(&c));
        let rest = label[m.end()..].trim_end();
        let ok = if bounded {
            let start_ok = !label[..m.start()]
                .chars()
                .next_back()
                .is_some_and(char::is_alphanumeric);
            let end_ok = !rest.starts_with(char::is_alphanumeric);
            start_ok && end_ok && rest.chars().count() <= 17
        } else {
            rest.chars().count() <= 10
        };
        if ok {
            return Some("context-before");
        }
    }
    let to_word = trimmed
        .rsplit(|c: char| !c.is_alphabetic())
        .next()
        .unwrap_or("");
    let to_like = ["to", "al", "au", "an", "a", "at"]
        .iter()
        .any(|w| w.eq_ignore_ascii_case(to_word));
    (to_like && trimmed.len() > to_word.len() && REPLY_VERB.is_match(label)).then_some("short-code")
}

/// Why a candidate is not a code, judged from what follows it.
pub(crate) fn negative_after(text: &str, end: usize) -> Option<&'static str> {
    NEG_AFTER
        .is_match(head_chars(&text[end..], 16))
        .then_some("context-after")
}

#[cfg(test)]
mod tests {
    use super::super::candidates::scan;
    use super::*;

    /// Reason the first candidate of `text` is rejected by its neighbours.
    fn adjacent(text: &str) -> Option<&'static str> {
        adjacent_reject(text, &scan(text)[0])
    }

    #[test]
    fn neighbours_reject_numbers_that_are_not_codes() {
        assert_eq!(adjacent("total 1,2500.00"), Some("number"));
        assert_eq!(adjacent("at 1430:15"), Some("time"));
        assert_eq!(adjacent("on 2025/05/12"), Some("date-or-path"));
        assert_eq!(adjacent("save 1000%"), Some("percent"));
        assert_eq!(adjacent("Order #4821"), Some("reference"));
        assert_eq!(adjacent("acct ...4821"), Some("reference"));
        assert_eq!(adjacent("card **** 4821"), Some("masked"));
        assert_eq!(adjacent("card 6037-****"), Some("masked"));
        assert_eq!(adjacent("code 4821 xac thuc"), None);
        assert_eq!(adjacent("code: 482913."), None);
    }

    #[test]
    fn words_before_and_after() {
        for window in [
            "card ending in ",
            "Ref: ",
            "Order ",
            "INR ",
            "Rs. ",
            "$",
            "€ ",
            "Reply STOP to ",
            "您尾号",
            "PNR ",
        ] {
            assert!(negative_before(window).is_some(), "{window:?}");
        }
        for window in ["Telegram: ", " is ", "code ", "Your verification code is "] {
            assert!(negative_before(window).is_none(), "{window:?}");
        }
        let text = "4821 EUR, 4821 minutes, 2025年, 4821 ile biten, 4821 is";
        let ends: Vec<usize> = text.match_indices("4821").map(|(i, _)| i + 4).collect();
        assert!(negative_after(text, ends[0]).is_some());
        assert!(negative_after(text, ends[1]).is_some());
        assert!(negative_after(text, text.find("2025").unwrap() + 4).is_some());
        assert!(negative_after(text, ends[2]).is_some());
        assert!(negative_after(text, ends[3]).is_none());
    }
}
