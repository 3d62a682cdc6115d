//! Rule-by-rule tests of the public API ([`extract`], [`extract_code`]).

use super::*;

fn code(body: &str) -> Option<String> {
    extract_code(body)
}

fn is(body: &str, want: &str) {
    assert_eq!(code(body).as_deref(), Some(want), "{body:?}");
}

fn none(body: &str) {
    assert_eq!(code(body), None, "{body:?}");
}

#[test]
fn seed_rules_are_the_floor() {
    is("Your login code is 5521", "5521");
    is("token: 99881234", "99881234");
    is("2231 is the code for your door", "2231");
    is("648213 is your Acme code", "648213");
    is("Acme security code\n\n771204", "771204");
}

#[test]
fn origin_bound_codes_carry_the_domain() {
    let otp = extract("Your Acme code is 318270.\n\n@acme.example #318270").unwrap();
    assert_eq!(
        (otp.code.as_str(), otp.domain.as_deref()),
        ("318270", Some("acme.example"))
    );
    let otp = extract("Pay 12.00? Code 771203\n@shop.test #771203 %pay.test").unwrap();
    assert_eq!(otp.domain.as_deref(), Some("shop.test"));
    let otp = extract("Sign in with AB12CD\n\n@id.example #AB12CD").unwrap();
    assert_eq!(otp.code, "AB12CD");
    assert!(otp.confidence > 0.9);
    assert_eq!(extract("Your code is 123456").unwrap().domain, None);
}

#[test]
fn separated_and_prefixed_codes() {
    is("Your Acme code: 417-093", "417093");
    is("Use 604 219 to verify your account", "604219");
    is("Bank: code 3918 2745 for the transfer", "39182745");
    is("G-105837 is your Google verification code.", "105837");
    is("FB-48213 est votre code de confirmation", "48213");
    is("Your code is 12 34 56", "123456");
}

#[test]
fn alphanumeric_codes() {
    is("Your verification code is QX7R2M", "QX7R2M");
    is("Steam Guard code: 4HTRX", "4HTRX");
    is("Steam Guard code: BCDFG", "BCDFG");
    is("<#> Your app code is: 123ABC78\nFA+9qCX9VSu", "123ABC78");
    none("Use promo code WELCOME15 for 15% off");
}

#[test]
fn cjk_glued_and_non_ascii_digits() {
    is("【某某】验证码123456，5分钟内有效。", "123456");
    is("【某某】您的验证码为２０４８１７，有效期5分钟。", "204817");
    is("認証番号918273を入力してください。", "918273");
    is("[Web발신]\n인증번호는 582013입니다.", "582013");
    is("رمز التحقق: ٥٨٢٩١٠", "582910");
    is("کد ورود: ۷۳۹۱۰۲", "739102");
    is("आपका OTP ४८२९१३ है।", "482913");
    is("รหัสยืนยันของคุณคือ ๕๘๒๐๑๓", "582013");
    is("رمز WhatsApp: ٤٨٢-٩١٣", "482913");
}

#[test]
fn retriever_framing_is_ignored() {
    is("<#> Your Foo code is 4821\n9rT1234Xk0w", "4821");
    is(
        "<#> 590231 is your verification code.\nkM3xQ9vT2pL",
        "590231",
    );
    is("<#> Use 4409 to verify your phone.\nB0lT8842xQa", "4409");
}

#[test]
fn many_languages() {
    is("Tu código de acceso es 5831.", "5831");
    is("Votre code de connexion est 305918.", "305918");
    is("Ihre TAN lautet 739182.", "739182");
    is("Seu código é 4821.", "4821");
    is("Il tuo codice è 902718.", "902718");
    is("Je verificatiecode is 4019.", "4019");
    is("Twój kod to 482913.", "482913");
    is("Ваш код подтверждения: 4821.", "4821");
    is("Ваш код для входу: 5521", "5521");
    is("Doğrulama kodunuz: 630915.", "630915");
    is("رمز الدخول هو 482913", "482913");
    is("कोड 7391 है", "7391");
    is("確認コード：582013", "582013");
    is("인증번호 [730194]를 입력해주세요.", "730194");
    is("Mã xác minh của bạn là 582013.", "582013");
    is("Kode verifikasi Anda adalah 4810.", "4810");
    is("รหัส OTP คือ 739104", "739104");
    is("קוד האימות שלך הוא: 482913", "482913");
}

#[test]
fn numbers_that_are_not_codes() {
    is(
        "Your code is 918273. Charged $1,234.56 on 12/05/2025 at 14:30.",
        "918273",
    );
    is(
        "OTP for INR 25000.00 on card ending 4455 is 718204.",
        "718204",
    );
    is("Rs. 4999 at SHOP on card xx3345. OTP: 663920.", "663920");
    is(
        "Your code is 671204. Questions? Call 1-800-555-0199.",
        "671204",
    );
    is("Order #112233: your verification code is 4471.", "4471");
    is(
        "Verify at https://acme.example/v/839201 or enter code 839201.",
        "839201",
    );
    is("Code 5831 expires in 15 min.", "5831");
    is("Welcome to Club 2024! Your sign-in code is 7093.", "7093");
    is(
        "Reservation 83920145: 482016 is your verification code.",
        "482016",
    );
}

#[test]
fn marketing_and_shipping_are_none() {
    none("Your package 1Z999AA10123456784 arrives today between 2:00 PM and 6:00 PM.");
    none("Your order 12345678 has shipped and will arrive Friday, 05/16.");
    none("Sale! 50% off until 12/31, use SAVE2024 at checkout.");
    none("Balance of account XXXX1234 is $2,317.45 as of 05/12/2025.");
    none("Shipment 7489 2103 5561 will be delivered tomorrow by 8:00 PM.");
    none("Your verification code was used on 05/12 at 14:30. Call 1-800-555-0199.");
    none("Rebajas: 30% de descuento con el código VERANO24. Baja: envía BAJA al 217010");
    none("Reminder: appointment on 05/14/2025 at 14:30. Call 555-0142 to reschedule.");
    none("");
}

#[test]
fn a_code_alone_on_the_first_line_needs_no_keyword() {
    is("1234", "1234");
    is("583917", "583917");
    is("604 281\nValid for 10 minutes.", "604281");
    is("K4P9QX\nGültig für 5 Minuten.", "K4P9QX");
    // Not a code line: a label, a phone number, a year, a price.
    none("Order 12345678\nShipped today.");
    none("+14155550100\ncall me");
    none("123456789\nthanks");
    none("SALE\n50% off");
}

#[test]
fn returned_code_is_in_the_input() {
    for body in [
        "G-482913 is your code",
        "Code: ٤٨٢-٩١٣",
        "验证码：７３９１０４",
        "code 3918 2745",
    ] {
        let got = code(body).unwrap();
        let flat: String = normalize_digits(body)
            .chars()
            .filter(|&c| !is_code_separator(c))
            .collect();
        assert!(flat.contains(&got), "{got} not in {flat}");
    }
}

#[test]
fn candidates_and_confidence() {
    let otp = extract("Ticket 4821: your verification code is 739152.").unwrap();
    assert_eq!(otp.candidates[0].code, otp.code);
    assert!((0.0..=1.0).contains(&otp.confidence));
    assert!(otp.confidence > 0.6);
    let weak = extract("Acme code\n\nUse it soon. 58213").unwrap();
    assert!(weak.confidence < otp.confidence);
}

#[test]
fn code_words_that_are_not_one_time_codes() {
    none("Error code 5012: payment failed.");
    none("Your booking confirmation code is K7XQ2M.");
    none("Código de cita: 4821.");
    none("Your zip code 94107 has been updated.");
    none("Your code RIDE20 gets you a free ride");
    is("Your verification code is ABC123", "ABC123");
}

#[test]
fn ruled_out_tokens_are_listed_with_the_reason() {
    let otp = extract("OTP for INR 25000.00 on card ending 4455 is 718204.").unwrap();
    let reasons: Vec<(&str, f32, &str)> = otp
        .candidates
        .iter()
        .map(|c| (c.code.as_str(), c.score, c.reason))
        .collect();
    assert_eq!(reasons[0].0, "718204");
    assert!(reasons.contains(&("25000", 0.0, "number")));
    assert!(reasons.contains(&("4455", 0.0, "context-before")));
}

#[test]
fn a_few_more_languages() {
    is("Vahvistuskoodi: 552913", "552913");
    is("Ο κωδικός σας είναι 552913", "552913");
    is("Din engångskod är 552913", "552913");
    // Compounds that end in the code word.
    is("Ihr Einmalpasswort lautet 730518", "730518");
    is("Din engangskode er 907341", "907341");
    is("Sikkerhetskoden din: 2285", "2285");
    is("Kertakäyttösalasanasi on 571830", "571830");
    // Catalan, Estonian, Swahili, Urdu, Bengali.
    is("El teu codi d'accés és 318204", "318204");
    is("Sinu kinnituskood on 7720", "7720");
    is("Nambari yako ya uthibitisho ni 551203", "551203");
    is("آپ کا تصدیقی کوڈ 402918 ہے", "402918");
    is("আপনার কোড ৪০২৯১৮", "402918");
    is("Váš ověřovací kód je 552913", "552913");
}
