//! What a crawl asks a server for, and what it keeps of an answer to ask again.

use url::Url;

/// A request for one list page: a GET, or a POST with a form (Hanweb's data proxy).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest {
    pub url: Url,
    pub form: Option<Vec<(String, String)>>,
}

impl PageRequest {
    /// A plain GET of `url`.
    pub fn get(url: Url) -> PageRequest {
        PageRequest { url, form: None }
    }
}

/// HTTP validators from an earlier answer, for a conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// `url` without its user name and password: what is stored and shown of a URL that carries
/// credentials (`http://user:pass@host/` → `http://host/`).
pub fn without_credentials(mut url: Url) -> Url {
    if !url.username().is_empty() || url.password().is_some() {
        // Only URLs that cannot have credentials (`data:`) refuse, and those have none.
        let _ = url.set_username("");
        let _ = url.set_password(None);
    }
    url
}

/// `text` (an error message naming `url`) without the credentials of `url`.
pub fn strip_userinfo(text: &str, url: &Url) -> String {
    let (user, password) = (url.username(), url.password());
    let userinfo = match password {
        Some(p) => format!("{user}:{p}@"),
        None if !user.is_empty() => format!("{user}@"),
        None => return text.to_string(),
    };
    text.replace(&userinfo, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_dropped() {
        let url = Url::parse("http://user:pa%40ss@a.gov.cn:8080/x?q=1").expect("url");
        assert_eq!(
            without_credentials(url.clone()).as_str(),
            "http://a.gov.cn:8080/x?q=1"
        );
        let message = format!("error sending request for url ({url})");
        assert_eq!(
            strip_userinfo(&message, &url),
            "error sending request for url (http://a.gov.cn:8080/x?q=1)"
        );
        let only_user = Url::parse("https://admin@a.gov.cn/").expect("url");
        assert_eq!(without_credentials(only_user).as_str(), "https://a.gov.cn/");
        let plain = Url::parse("https://a.gov.cn/").expect("url");
        assert_eq!(without_credentials(plain.clone()), plain);
    }
}
