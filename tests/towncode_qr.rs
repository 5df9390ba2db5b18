//! Town code QR round trip with an independent decoder (zbarimg from zbar-tools), tampering,
//! issuers, supersession, unreadable images and the printable card.

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use towncockpit::towncode::card::{self, CardData, Paper};
use towncockpit::towncode::code::{Category, Counties, TownCode};
use towncockpit::towncode::payload::{Payload, Presented};
use towncockpit::towncode::qr;
use towncockpit::towncode::rules::Colour;
use towncockpit::towncode::signing::{self, Issuer, TrustStore, Verdict};

fn payload(issued: NaiveDate, colour: Colour) -> Payload {
    let counties = Counties::bundled();
    let code = TownCode::new(Category::Digital, "330110", 1, &counties).unwrap();
    Payload {
        code: code.compact(),
        name: "余杭梦想小镇".into(),
        period: "2025".into(),
        colour,
        score: Some(81.3),
        rank: Some((4, 116)),
        issued,
        key_id: String::new(),
    }
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

/// Decodes a QR image with zbarimg (a decoder independent of this program's own).
fn zbar(path: &Path) -> String {
    let out = Command::new("zbarimg")
        .args(["--raw", "--quiet", "-Sdisable", "-Sqrcode.enable"])
        .arg(path)
        .output()
        .expect("zbarimg is installed (Debian package zbar-tools)");
    assert!(
        out.status.success(),
        "zbarimg failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .trim_end_matches('\n')
        .to_string()
}

#[test]
fn sign_render_decode_with_zbar_verify() {
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::load_or_create(dir.path()).unwrap();
    let (_, text) = issuer.sign(&payload(day(26), Colour::Green));

    let png = dir.path().join("qr.png");
    qr::render(&text, 6).unwrap().save(&png).unwrap();
    let decoded = zbar(&png);
    assert_eq!(decoded, text);

    let trust = TrustStore::load(dir.path()).unwrap();
    let presented = Presented::read(&decoded).unwrap();
    assert_eq!(
        signing::verify(&presented, &trust, None),
        Verdict::Authentic
    );
    assert_eq!(Verdict::Authentic.label(), "真实有效");
    // Our own decoder agrees.
    assert_eq!(qr::decode_file(&png).unwrap(), text);
}

#[test]
fn a_changed_byte_anywhere_fails() {
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::load_or_create(dir.path()).unwrap();
    let trust = TrustStore::load(dir.path()).unwrap();
    let (_, text) = issuer.sign(&payload(day(26), Colour::Green));
    let chars: Vec<char> = text.chars().collect();
    let mut tried = 0;
    for i in 0..chars.len() {
        let replacement = match chars[i] {
            c if c.is_ascii_digit() => {
                if c == '7' {
                    '3'
                } else {
                    '7'
                }
            }
            c if c.is_ascii_uppercase() => {
                if c == 'Q' {
                    'W'
                } else {
                    'Q'
                }
            }
            '*' => '-',
            c if !c.is_ascii() => {
                if c == '镇' {
                    '村'
                } else {
                    '镇'
                }
            }
            _ => '*',
        };
        let mut changed = chars.clone();
        changed[i] = replacement;
        let changed: String = changed.into_iter().collect();
        tried += 1;
        match Presented::read(&changed) {
            Err(e) => assert!(e.to_string().contains("不是特色小镇码"), "{e}"),
            Ok(p) => {
                let v = signing::verify(&p, &trust, None);
                assert_ne!(
                    v,
                    Verdict::Authentic,
                    "change at {i} went unnoticed: {changed}"
                );
            }
        }
    }
    assert_eq!(tried, chars.len());
    // A change in the signed fields is reported as tampering.
    let forged = text.replacen("*G*", "*R*", 1);
    let p = Presented::read(&forged).unwrap();
    assert_eq!(signing::verify(&p, &trust, None), Verdict::Tampered);
    assert_eq!(Verdict::Tampered.label(), "签名不符：可能被篡改");
}

#[test]
fn unknown_issuer_until_its_key_is_imported() {
    let office_a = tempfile::tempdir().unwrap();
    let office_b = tempfile::tempdir().unwrap();
    let a = Issuer::load_or_create(office_a.path()).unwrap();
    let (_, text) = a.sign(&payload(day(26), Colour::Yellow));
    let presented = Presented::read(&text).unwrap();

    let trust_b = TrustStore::load(office_b.path()).unwrap();
    assert_eq!(
        signing::verify(&presented, &trust_b, None),
        Verdict::UnknownIssuer
    );
    assert_eq!(Verdict::UnknownIssuer.label(), "签发方未知");

    // Export from A as a file, import at B.
    let file = office_a.path().join("a.pub.txt");
    std::fs::write(&file, a.export_public("甲县发改局")).unwrap();
    let text_file = std::fs::read_to_string(&file).unwrap();
    let imported = signing::import_public(office_b.path(), &text_file, "a.pub.txt").unwrap();
    assert_eq!(imported.key_id(), a.key_id());
    let trust_b = TrustStore::load(office_b.path()).unwrap();
    assert_eq!(trust_b.get(a.key_id()).unwrap().issuer, "甲县发改局");
    assert_eq!(
        signing::verify(&presented, &trust_b, None),
        Verdict::Authentic
    );

    // A key file whose id does not match its key is refused.
    let bad = text_file.replace(a.key_id(), "AAAAAAAA");
    let e = signing::import_public(office_b.path(), &bad, "bad.txt").unwrap_err();
    assert!(e.to_string().contains("与公钥不符"), "{e}");
}

#[test]
fn superseded_by_a_newer_code_of_the_same_town() {
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::load_or_create(dir.path()).unwrap();
    let trust = TrustStore::load(dir.path()).unwrap();
    let (old, old_text) = issuer.sign(&payload(day(1), Colour::Green));
    let (new, _) = issuer.sign(&payload(day(20), Colour::Red));
    let presented = Presented::read(&old_text).unwrap();
    assert_eq!(
        signing::verify(&presented, &trust, Some(&new)),
        Verdict::Superseded
    );
    assert_eq!(Verdict::Superseded.label(), "已过期：有更新的小镇码");
    // The current one itself is valid.
    assert_eq!(
        signing::verify(&presented, &trust, Some(&old)),
        Verdict::Authentic
    );
}

#[test]
fn images_without_qr_and_corrupt_files_get_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let blank = dir.path().join("blank.png");
    image::GrayImage::from_fn(320, 240, |x, y| {
        image::Luma([((x * 7 + y * 3) % 200) as u8 + 40])
    })
    .save(&blank)
    .unwrap();
    let e = qr::decode_file(&blank).unwrap_err();
    assert!(e.to_string().contains("没有找到二维码"), "{e}");
    assert!(e.to_string().contains("blank.png"), "{e}");

    let corrupt = dir.path().join("card.png");
    let mut bytes = std::fs::read(&blank).unwrap();
    bytes.truncate(40);
    std::fs::write(&corrupt, &bytes).unwrap();
    let e = qr::decode_file(&corrupt).unwrap_err();
    assert!(e.to_string().contains("已损坏或不是支持的图片格式"), "{e}");

    let text = dir.path().join("note.jpg");
    std::fs::write(&text, "这不是图片").unwrap();
    let e = qr::decode_file(&text).unwrap_err();
    assert!(e.to_string().contains("已损坏或不是支持的图片格式"), "{e}");
}

fn sample_card(text: String) -> CardData {
    CardData {
        name: "余杭梦想小镇".into(),
        code: "D-330110-001-X".into(),
        colour: Colour::Red,
        subtitle: "杭州市余杭区 · 数字经济 · 命名".into(),
        figures: vec![
            ("2025 年总产出".into(), "152.30 亿元".into()),
            ("2025 年税收收入".into(), "12.10 亿元".into()),
            ("2025 年有效投资".into(), "30.02 亿元".into()),
            ("特色产业产出占比".into(), "62.0%".into()),
        ],
        reasons: vec![
            "触碰生态保护红线、永久基本农田或城镇开发边界：三条控制线违规 2处，高于0处".into(),
            "特色产业占比低于 70%：特色产业占比 62.0%，低于70.0%".into(),
        ],
        period: "2025".into(),
        issued: day(26),
        key_id: "ABCDEFGH".into(),
        payload: text,
        demo: true,
    }
}

#[test]
fn card_png_and_pdf_have_content_and_a_scannable_qr() {
    let dir = tempfile::tempdir().unwrap();
    let issuer = Issuer::load_or_create(dir.path()).unwrap();
    let (_, text) = issuer.sign(&payload(day(26), Colour::Red));
    let card = sample_card(text.clone());

    for paper in [Paper::A6, Paper::A4] {
        let png = dir.path().join(format!("card-{paper:?}.png"));
        std::fs::write(
            &png,
            card::render_png(&card::card_page(&card, paper).unwrap(), 200.0).unwrap(),
        )
        .unwrap();
        let img = image::open(&png).unwrap().to_rgb8();
        let (w, _) = paper.size_mm();
        assert_eq!(img.width(), (w * 200.0 / 25.4).round() as u32);
        // Non-trivial: the red band, dark text and QR modules, white paper.
        let red = img.pixels().filter(|p| p.0 == [0xd6, 0x33, 0x2f]).count();
        let dark = img.pixels().filter(|p| p.0.iter().all(|&c| c < 60)).count();
        assert!(red > 10_000 && dark > 10_000, "red {red} dark {dark}");
        assert_eq!(zbar(&png), text);
    }

    let pdf = dir.path().join("card.pdf");
    std::fs::write(
        &pdf,
        card::render_pdf(&[card::card_page(&card, Paper::A6).unwrap()]).unwrap(),
    )
    .unwrap();
    let txt = Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let txt = String::from_utf8(txt.stdout).unwrap();
    for needle in [
        "余杭梦想小镇",
        "D-330110-001-X",
        "示例数据",
        "红码",
        "特色小镇码",
    ] {
        assert!(txt.contains(needle), "PDF text lacks {needle}: {txt}");
    }
    let fonts = Command::new("pdffonts").arg(&pdf).output().unwrap();
    let fonts = String::from_utf8(fonts.stdout).unwrap();
    assert!(fonts.contains("NotoSansSC"), "{fonts}");
    // The QR in the PDF scans too once rasterised.
    let prefix = dir.path().join("page");
    let st = Command::new("pdftoppm")
        .args(["-png", "-r", "200", "-singlefile"])
        .arg(&pdf)
        .arg(&prefix)
        .status()
        .unwrap();
    assert!(st.success());
    assert_eq!(zbar(&dir.path().join("page.png")), text);
}
