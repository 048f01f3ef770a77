//! Apple's 412 "upgrade to two-factor" prompt, put off until later as fastlane's
//! `spaceship/lib/spaceship/upgrade_2fa_later_client.rb` does when `SPACESHIP_SKIP_2FA_UPGRADE` is set.

use super::{Flow, Response, SignInError};

/// client.rb:29 `AUTH_TYPES`: the 412s that may be an upgrade prompt.
const AUTH_TYPES: [&str; 4] = ["sa", "hsa", "non-sa", "hsa2"];

/// A 412 with a known authType, and the user asked for the bypass (upgrade_2fa_later_client.rb:7).
pub(super) fn applies(resp: &Response) -> bool {
    let auth_type = resp
        .json()
        .and_then(|j| j["authType"].as_str().map(str::to_string));
    auth_type.is_some_and(|t| AUTH_TYPES.contains(&t.as_str()))
        && std::env::var_os("SPACESHIP_SKIP_2FA_UPGRADE").is_some()
}

impl Flow<'_> {
    /// Ok(true) when Apple accepted "later" (204) and the jar holds the signed-in cookies;
    /// Ok(false) when the answer has no repair link (then it is the privacy acknowledgement).
    pub(super) fn upgrade_later(&mut self, first: &Response) -> Result<bool, SignInError> {
        let Some(location) = first.header("Location").map(str::to_string) else {
            return Ok(false);
        };
        let url = self.repair_url(&location)?;
        // upgrade_2fa_later_client.rb:20: without a widgetKey fastlane gives up.
        let Some(widget_key) = url
            .query_pairs()
            .find(|(k, _)| k == "widgetKey")
            .map(|(_, v)| v.into_owned())
        else {
            return Ok(false);
        };
        let session_id = first
            .header("X-Apple-ID-Session-Id")
            .unwrap_or_default()
            .to_string();
        let repair_token = first
            .header("X-Apple-Repair-Session-Token")
            .unwrap_or_default()
            .to_string();
        let json_headers = |scnt: String, token: (&'static str, String)| {
            vec![
                ("scnt", scnt),
                ("X-Apple-ID-Session-Id", session_id.clone()),
                token,
                ("X-Apple-Widget-Key", widget_key.clone()),
                ("X-Requested-With", "XMLHttpRequest".to_string()),
                ("Accept", "application/json, text/javascript".to_string()),
            ]
        };
        // :27 step 1: the repair page, for its scnt.
        let repair = self.http.send("GET", url.as_str(), &[], None)?;
        // :32 step 2: the repair options, with the 412's repair token as the session token.
        let mut h = json_headers(
            repair.header("scnt").unwrap_or_default().to_string(),
            ("X-Apple-Session-Token", repair_token),
        );
        h.push(("X-Apple-Skip-Repair-Attributes", "[]".to_string()));
        let options = self.http.send(
            "GET",
            &format!("{}/account/manage/repair/options", self.ep.appleid),
            &h,
            None,
        )?;
        let options_token = options
            .header("X-Apple-Session-Token")
            .unwrap_or_default()
            .to_string();
        // :48 step 3: "set up later".
        let mut h = json_headers(
            options.header("scnt").unwrap_or_default().to_string(),
            ("X-Apple-Session-Token", options_token.clone()),
        );
        h.push(("X-Apple-Skip-Repair-Attributes", "[]".to_string()));
        self.http.send(
            "GET",
            &format!("{}/account/security/upgrade/setuplater", self.ep.appleid),
            &h,
            None,
        )?;
        // :63 step 4: complete, with the 412's scnt and step 2's token; :78 success is 204 only.
        let mut h = json_headers(
            first.header("scnt").unwrap_or_default().to_string(),
            ("X-Apple-Repair-Session-Token", options_token),
        );
        h.retain(|(k, _)| *k != "Accept");
        h.push(("Accept", "application/json;charset=utf-8".to_string()));
        h.push(("Content-Type", "application/json".to_string()));
        // :66 an empty body, not JSON.
        let complete = self.http.send(
            "POST",
            &format!("{}/repair/complete", self.ep.auth),
            &h,
            None,
        )?;
        if complete.status == 204 {
            Ok(true)
        } else {
            Err(SignInError::Protocol(format!(
                "Apple did not accept \"upgrade two-factor later\" (repair/complete answered {}): sign in once at https://appleid.apple.com and set up two-factor authentication",
                complete.status
            )))
        }
    }

    /// The 412's Location, followed only to the hosts this sign-in already talks to.
    fn repair_url(&self, location: &str) -> Result<url::Url, SignInError> {
        let base = url::Url::parse(&self.ep.appleid)
            .map_err(|e| SignInError::Protocol(format!("bad appleid URL: {e}")))?;
        let url = base
            .join(location)
            .map_err(|_| SignInError::Protocol("the 412's Location is not a URL".into()))?;
        let ours = [&self.ep.appleid, &self.ep.auth, &self.ep.olympus]
            .iter()
            .filter_map(|u| url::Url::parse(u).ok())
            .any(|u| u.origin() == url.origin());
        if ours {
            Ok(url)
        } else {
            Err(SignInError::Protocol(format!(
                "the \"upgrade two-factor\" answer points to another host ({}): apple-conn follows only Apple's sign-in hosts",
                url.host_str().unwrap_or("?")
            )))
        }
    }
}
