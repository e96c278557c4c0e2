//! Base64: standard alphabet with padding for the `X-SPACE-AUTH-KEY` header, URL-safe
//! without padding (or with it) for JWT segments. Written here because the `base64` crate's
//! engines cost about 6 KB of `.wasm` for two one-line uses; tests check it against that
//! crate on random inputs.

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard alphabet, `=` padded (RFC 4648 §4).
pub fn encode(input: &[u8]) -> String {
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    let sym = |v: u32| STANDARD.get((v & 63) as usize).map_or('A', |b| *b as char);
    for chunk in input.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(sym(n >> 18));
        out.push(sym(n >> 12));
        out.push(if chunk.len() > 1 { sym(n >> 6) } else { '=' });
        out.push(if chunk.len() > 2 { sym(n) } else { '=' });
    }
    out
}

fn url_value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'-' => 62,
        b'_' => 63,
        _ => return None,
    } as u32)
}

/// URL-safe alphabet (RFC 4648 §5); trailing `=` padding is accepted but not required, and
/// unused trailing bits are ignored, as JWT encoders differ on both.
pub fn decode_url(input: &str) -> Option<Vec<u8>> {
    let data = input.trim_end_matches('=');
    if input.len() - data.len() > 2 || data.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() / 4 * 3 + 2);
    for chunk in data.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= url_value(*c)? << (18 - 6 * i as u32);
        }
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(bytes.get(..chunk.len() - 1).unwrap_or(&[]));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    #[test]
    fn rfc4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), enc);
            assert_eq!(decode_url(enc).unwrap(), plain.as_bytes());
            assert_eq!(decode_url(enc.trim_end_matches('=')).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn rejects_what_is_not_base64url() {
        for bad in ["A", "AAAAA", "Zg===", "Zm+v", "Zm/v", "Zm 9", "Zm9v\n", "=Zg", "é"] {
            assert_eq!(decode_url(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn agrees_with_the_base64_crate_on_random_inputs() {
        let mut x = 0x243f_6a88_85a3_08d3u64;
        for len in 0..300usize {
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            assert_eq!(encode(&data), base64::engine::general_purpose::STANDARD.encode(&data));
            let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&data);
            assert_eq!(decode_url(&url).unwrap(), data);
            assert_eq!(decode_url(&base64::engine::general_purpose::URL_SAFE.encode(&data)).unwrap(), data);
        }
    }
}
