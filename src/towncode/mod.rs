//! 一码: the town code — a structured code with a check character, a colour status with its
//! reasons, a signed QR payload and a printable card.
//!
//! Pure parts (no store, no transport): [`code`] the code and its check
//! character, [`rules`] the colour from facts, [`payload`] the QR text, [`signing`] keys and
//! verification, [`qr`] encoding and decoding images, [`card`] the printable card.
//! [`export`] turns cards into bytes and files (one card, the all-towns sheet, the download folder).
//! [`registry`] and [`facts`] read and write the store; [`town`] puts it together for the
//! command table and the CLI. The design is documented in `docs/methodology/towncode.md`.

pub mod card;
pub mod code;
pub mod export;
pub mod facts;
pub mod payload;
pub mod qr;
pub mod registry;
pub mod rules;
pub mod signing;
pub mod town;
