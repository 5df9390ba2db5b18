//! GB 32100-2015 check characters on codes built by hand from the standard.
//!
//! Values: digits 0–9, then A=10 B=11 C=12 D=13 E=14 F=15 G=16 H=17 J=18 K=19 L=20 M=21 N=22 P=23
//! Q=24 R=25 T=26 U=27 W=28 X=29 Y=30 (no I, O, S, V, Z). Weights of positions 1–17:
//! 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28. Check = 31 − (Σ value×weight mod 31), 31 → 0.
//! The embedded organisation code (GB 11714) has weights 3 7 9 10 5 8 4 2, letters A=10…Z=35,
//! check = 11 − (Σ mod 11), 10 → X, 11 → 0.

use towncockpit::credit_code::{check_char, compose, org_check_char, validate};

#[test]
fn published_example_code_is_valid() {
    // 91350100M000100Y4: Σ = 9·1+1·3+3·9+5·27+0+1·26+0+0+M21·20+0+0+0+1·8+0+0+Y30·30+4·28
    //   = 9+3+27+135+26+420+8+900+112 = 1640; 1640 mod 31 = 28; 31−28 = 3.
    assert_eq!(check_char("91350100M000100Y4").unwrap(), '3');
    validate("91350100M000100Y43").unwrap();
}

#[test]
fn hangzhou_xihu_code_built_by_hand() {
    // Organisation code body MA27U0X5 (GB 11714 values M=22 A=10 2 7 U=30 0 X=33 5):
    //   22·3+10·7+2·9+7·10+30·5+0·8+33·4+5·2 = 66+70+18+70+150+0+132+10 = 516;
    //   516 mod 11 = 10; 11−10 = 1 → organisation code MA27U0X51.
    assert_eq!(org_check_char("MA27U0X5").unwrap(), '1');
    // 91 330106 MA27U0X51 with GB 32100 values 9 1 3 3 0 1 0 6 M21 A10 2 7 U27 0 X29 5 1,
    // each times its weight:
    //   9·1 1·3 3·9 3·27 0·19 1·26 0·16 6·17 21·20 10·29 2·25 7·13 27·8 0·24 29·10 5·30 1·28
    //   = 9+3+27+81+0+26+0+102+420+290+50+91+216+0+290+150+28 = 1783; 1783 mod 31 = 16;
    //   31−16 = 15 → F.
    assert_eq!(check_char("91330106MA27U0X51").unwrap(), 'F');
    assert_eq!(
        compose("91", "330106", "MA27U0X5").unwrap(),
        "91330106MA27U0X51F"
    );
    validate("91330106MA27U0X51F").unwrap();
}

#[test]
fn cixi_code_with_numeric_organisation_code() {
    // Body 12345678: 1·3+2·7+3·9+4·10+5·5+6·8+7·4+8·2 = 3+14+27+40+25+48+28+16 = 201;
    //   201 mod 11 = 3; 11−3 = 8 → 123456788.
    assert_eq!(org_check_char("12345678").unwrap(), '8');
    // 91 330282 123456788: 9·1+1·3+3·9+3·27+0·19+2·26+8·16+2·17+1·20+2·29+3·25+4·13+5·8+6·24
    //   +7·10+8·30+8·28 = 9+3+27+81+0+52+128+34+20+58+75+52+40+144+70+240+224 = 1257;
    //   1257 mod 31 = 17; 31−17 = 14 → E.
    assert_eq!(check_char("91330282123456788").unwrap(), 'E');
    validate("91330282123456788E").unwrap();
}

#[test]
fn wrong_check_character_is_refused_in_chinese() {
    let err = validate("91330282123456788F").unwrap_err().to_string();
    assert!(err.contains("校验位错误"), "{err}");
    assert!(err.contains("「E」"), "{err}");
    let err = validate("9133028212345678").unwrap_err().to_string();
    assert!(err.contains("应为 18 位"), "{err}");
    let err = validate("91330282I23456788E").unwrap_err().to_string();
    assert!(err.contains("第 9 位"), "{err}");
}
