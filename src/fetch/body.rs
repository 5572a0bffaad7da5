//! A successful answer's body: read under the size cap, then decoded to text (see
//! [`charset`]), large bodies on the blocking pool.

use reqwest::header;
use url::Url;

use super::charset::{self, Decoded};
use super::error::{FetchError, error_chain};
use super::header_string;

/// Bodies at least this large are decoded on the blocking pool.
const DECODE_OFF_TASK_BYTES: usize = 8 * 1024;

/// Reads the body of an answer to `url` (at most `limit` bytes) and decodes it, with the
/// charset hints of its `Content-Type` and of its final URL's top-level domain. Returns the
/// text and the number of bytes received.
pub(super) async fn read(
    response: reqwest::Response,
    url: &Url,
    limit: u64,
) -> Result<(Decoded, u64), FetchError> {
    let final_url = response.url().clone();
    let content_type = header_string(response.headers(), header::CONTENT_TYPE);
    let bytes = read_capped(response, url, limit).await?;
    let tld = final_url
        .host_str()
        .and_then(|h| h.rsplit('.').next())
        .map(|t| t.as_bytes().to_vec());
    let len = bytes.len() as u64;
    let mut body = decode_body(bytes, content_type, tld)
        .await
        .map_err(|message| FetchError::Body {
            url: final_url.clone(),
            message,
        })?;
    body.text = body.text.read_from(final_url);
    Ok((body, len))
}

/// Reads the body of an answer to `url` as bytes, at most `limit` of them.
pub(super) async fn read_bytes(
    response: reqwest::Response,
    url: &Url,
    limit: u64,
) -> Result<Vec<u8>, FetchError> {
    read_capped(response, url, limit).await
}

/// Decodes a body to text. A page's decoding (with charset detection when nothing is
/// declared) costs a fraction of a millisecond: done inline, every column's decoding would
/// share the task that drives the concurrent columns, so large bodies go to the blocking pool.
async fn decode_body(
    bytes: Vec<u8>,
    content_type: Option<String>,
    tld: Option<Vec<u8>>,
) -> Result<Decoded, String> {
    let small = bytes.len() < DECODE_OFF_TASK_BYTES;
    let decode = move || charset::decode(&bytes, content_type.as_deref(), tld.as_deref());
    if small {
        return Ok(decode());
    }
    match tokio::task::spawn_blocking(decode).await {
        Ok(decoded) => Ok(decoded),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err("decoding was cancelled (shutting down)".into()),
    }
}

/// The body's bytes, refused as soon as the declared length or what has arrived exceeds
/// `limit`.
async fn read_capped(
    mut response: reqwest::Response,
    url: &Url,
    limit: u64,
) -> Result<Vec<u8>, FetchError> {
    let too_large = || FetchError::TooLarge {
        url: url.clone(),
        limit,
    };
    if response.content_length().is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = Vec::with_capacity(
        usize::try_from(response.content_length().unwrap_or(64 * 1024).min(limit)).unwrap_or(0),
    );
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() as u64 + chunk.len() as u64 > limit {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) if e.is_timeout() => return Err(FetchError::Timeout { url: url.clone() }),
            Err(e) => {
                return Err(FetchError::Body {
                    url: url.clone(),
                    message: error_chain(&e),
                });
            }
        }
    }
}
