//! The second factor after a 409: two-factor codes (devices, SMS, voice) and Apple's legacy
//! two-step verification, as fastlane's `two_step_or_factor_client.rb` does them.

use serde_json::{Value, json};

use super::{
    CodeAnswer, CodeRequest, CodeSource, Delivery, Flow, Phone, Progress, Retry, SignInError,
    common_error, service_error,
};

/// A device of legacy two-step verification (`trustedDevices[]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedDevice {
    pub id: String,
    pub name: String,
}

impl Flow<'_> {
    pub(super) fn second_factor(
        &mut self,
        sms: Option<i64>,
        codes: &mut dyn CodeSource,
        progress: &mut dyn Progress,
    ) -> Result<(), SignInError> {
        let resp = self.auth("GET", "", "application/json", None, &[])?;
        if resp.status != 200 {
            return Err(common_error(&resp));
        }
        let j = resp
            .json()
            .ok_or_else(|| SignInError::Protocol("the 2FA options are not JSON".into()))?;
        // two_step_or_factor_client.rb:18: `trustedDevices` (legacy two-step) is looked at first.
        if j["trustedDevices"].is_array() {
            return self.two_step(&j, sms, codes, progress);
        }
        self.two_factor(&j, sms, codes, progress)
    }

    fn two_factor(
        &mut self,
        j: &Value,
        sms: Option<i64>,
        codes: &mut dyn CodeSource,
        progress: &mut dyn Progress,
    ) -> Result<(), SignInError> {
        let sc = &j["securityCode"];
        if sc["securityCodeLocked"].as_bool() == Some(true)
            || sc["tooManyCodesSent"].as_bool() == Some(true)
        {
            return Err(SignInError::CodesLocked);
        }
        let length = sc["length"]
            .as_u64()
            .filter(|n| (4..=8).contains(n))
            .unwrap_or(6) as usize;
        let phones = phones(j);
        let no_devices = j["noTrustedDevices"].as_bool() == Some(true);
        // two_step_or_factor_client.rb:230 `sms_automatically_sent`: one number, no device.
        let already_sent = match (no_devices, phones.as_slice()) {
            (true, [only]) => Some(only.clone()),
            _ => None,
        };
        let mut delivery = match (sms, &already_sent) {
            // :149 `should_request_code = !sms_automatically_sent`: never a second SMS.
            (Some(id), Some(only)) if only.id == id => Delivery::Phone(only.clone()),
            (Some(id), _) => Delivery::Phone(self.request_phone_code(&phones, id)?),
            (None, Some(only)) => Delivery::Phone(only.clone()),
            (None, None) if no_devices => {
                if phones.is_empty() {
                    return Err(SignInError::Protocol(
                        "no trusted device and no trusted phone number".into(),
                    ));
                }
                // :160 `sms_fallback`: several numbers, nothing sent yet: the user picks one.
                let request = CodeRequest {
                    delivery: Delivery::TrustedDevices,
                    phones: phones.clone(),
                    length,
                    retry: Some(Retry::ChooseNumber),
                };
                match codes.answer(&request)? {
                    CodeAnswer::SendToPhone(id) => {
                        Delivery::Phone(self.request_phone_code(&phones, id)?)
                    }
                    CodeAnswer::Cancel => return Err(SignInError::Cancelled),
                    // A code for a number no code was sent to is never posted.
                    CodeAnswer::Code(_) => {
                        return Err(SignInError::NoCodeSource(
                            "Apple needs to know which number to send the code to: pass --sms ID"
                                .into(),
                        ));
                    }
                }
            }
            (None, None) => Delivery::TrustedDevices,
        };
        let mut retry = None;
        loop {
            let request = CodeRequest {
                delivery: delivery.clone(),
                phones: phones.clone(),
                length,
                retry: retry.take(),
            };
            let code = match codes.answer(&request)? {
                CodeAnswer::Cancel => return Err(SignInError::Cancelled),
                CodeAnswer::SendToPhone(id) => {
                    delivery = Delivery::Phone(self.request_phone_code(&phones, id)?);
                    continue;
                }
                CodeAnswer::Code(c) => c.trim().to_string(),
            };
            if code.len() != length || !code.chars().all(|c| c.is_ascii_digit()) {
                retry = Some(Retry::BadLength);
                continue;
            }
            progress.step("Verifying the code…");
            let resp = match &delivery {
                Delivery::TrustedDevices | Delivery::Device(_) => self.auth(
                    "POST",
                    "/verify/trusteddevice/securitycode",
                    "application/json",
                    Some(&json!({"securityCode": {"code": code}})),
                    &[],
                )?,
                Delivery::Phone(p) => self.auth(
                    "POST",
                    "/verify/phone/securitycode",
                    "application/json",
                    Some(&json!({"securityCode": {"code": code}, "phoneNumber": {"id": p.id}, "mode": p.push_mode})),
                    &[],
                )?,
            };
            match verdict(&resp)? {
                true => return Ok(()),
                false => retry = Some(Retry::WrongCode),
            }
        }
    }

    /// Legacy two-step (4 digits): ask Apple to send the code to one device, then post it.
    fn two_step(
        &mut self,
        j: &Value,
        chosen: Option<i64>,
        codes: &mut dyn CodeSource,
        progress: &mut dyn Progress,
    ) -> Result<(), SignInError> {
        // two_step_or_factor_client.rb:28 `tooManyCodesLock`.
        if !j["securityCode"]["tooManyCodesLock"].is_null()
            || j["securityCode"]["securityCodeLocked"].as_bool() == Some(true)
        {
            return Err(SignInError::CodesLocked);
        }
        let devices = devices(j);
        let listing = || {
            devices
                .iter()
                .map(|d| format!("{} {}", d.id, d.name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let device = match (chosen, devices.as_slice()) {
            (_, []) => {
                return Err(SignInError::Protocol(
                    "this account uses Apple's old two-step verification, and Apple listed no trusted device to send a code to: sign in once at https://appleid.apple.com and turn on two-factor authentication".into(),
                ));
            }
            (Some(id), _) => devices
                .iter()
                .find(|d| d.id == id.to_string())
                .cloned()
                .ok_or_else(|| {
                    SignInError::NoCodeSource(format!(
                        "this account uses Apple's old two-step verification; there is no trusted device with id {id}; the devices are: {}",
                        listing()
                    ))
                })?,
            (None, [only]) => only.clone(),
            (None, _) => {
                return Err(SignInError::NoCodeSource(format!(
                    "this account uses Apple's old two-step verification: choose the device to send the code to with --sms ID; the devices are: {}",
                    listing()
                )));
            }
        };
        // :50 the code is requested on the device first; no code is posted before this succeeds.
        let resp = self.auth(
            "PUT",
            &format!("/verify/device/{}/securitycode", device.id),
            "application/json",
            None,
            &[],
        )?;
        if !(200..300).contains(&resp.status) {
            return Err(common_error(&resp));
        }
        let mut retry = None;
        loop {
            let request = CodeRequest {
                delivery: Delivery::Device(device.clone()),
                phones: Vec::new(),
                length: 4,
                retry: retry.take(),
            };
            let code = match codes.answer(&request)? {
                CodeAnswer::Cancel => return Err(SignInError::Cancelled),
                CodeAnswer::SendToPhone(_) => {
                    return Err(SignInError::NoCodeSource(
                        "this account uses Apple's old two-step verification: codes go to its trusted devices, not by SMS".into(),
                    ));
                }
                CodeAnswer::Code(c) => c.trim().to_string(),
            };
            if code.len() != 4 || !code.chars().all(|c| c.is_ascii_digit()) {
                retry = Some(Retry::BadLength);
                continue;
            }
            progress.step("Verifying the code…");
            // :63 the device's code goes to verify/phone with the device id and mode sms.
            let resp = self.auth(
                "POST",
                "/verify/phone/securitycode",
                "application/json",
                Some(&json!({"phoneNumber": {"id": device.id}, "securityCode": {"code": code}, "mode": "sms"})),
                &[],
            )?;
            match verdict(&resp)? {
                true => return Ok(()),
                false => retry = Some(Retry::WrongCode),
            }
        }
    }

    pub(super) fn request_phone_code(
        &mut self,
        phones: &[Phone],
        id: i64,
    ) -> Result<Phone, SignInError> {
        let phone = phones.iter().find(|p| p.id == id).cloned().ok_or_else(|| {
            SignInError::NoCodeSource(format!(
                "there is no trusted number with id {id}; the numbers are: {}",
                phones
                    .iter()
                    .map(|p| format!("{} {}", p.id, p.number))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?;
        let resp = self.auth(
            "PUT",
            "/verify/phone",
            "application/json",
            Some(&json!({"phoneNumber": {"id": phone.id}, "mode": phone.push_mode})),
            &[],
        )?;
        if !(200..300).contains(&resp.status) {
            let (code, _) = service_error(&resp);
            if code.as_deref() == Some("-28248") {
                return Err(SignInError::Protocol(format!(
                    "verification codes can't be sent to {} at this time (-28248): use another number or a trusted device",
                    phone.number
                )));
            }
            return Err(common_error(&resp));
        }
        Ok(phone)
    }
}

/// Ok(true): the code was right; Ok(false): wrong, ask again; Err: locked or another failure.
fn verdict(resp: &super::Response) -> Result<bool, SignInError> {
    if (200..300).contains(&resp.status) {
        return Ok(true);
    }
    let body = resp.json().unwrap_or(Value::Null);
    if body["securityCodeLocked"].as_bool() == Some(true)
        || body["accountLocked"].as_bool() == Some(true)
    {
        return Err(SignInError::CodesLocked);
    }
    match resp.status {
        400 | 401 => Ok(false),
        _ => Err(common_error(resp)),
    }
}

fn phones(j: &Value) -> Vec<Phone> {
    j["trustedPhoneNumbers"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| {
                    Some(Phone {
                        id: p["id"].as_i64()?,
                        number: crate::one_line::cut(
                            p["numberWithDialCode"]
                                .as_str()
                                .or(p["obfuscatedNumber"].as_str())
                                .unwrap_or("?"),
                            80,
                        ),
                        push_mode: match p["pushMode"].as_str() {
                            Some("voice") => "voice".to_string(),
                            _ => "sms".to_string(),
                        },
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Device ids go into a URL path: only plain ids are taken (a hostile answer can't add a path).
fn devices(j: &Value) -> Vec<TrustedDevice> {
    j["trustedDevices"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| {
                    let id = d["id"]
                        .as_str()
                        .map(str::to_string)
                        .or_else(|| d["id"].as_i64().map(|n| n.to_string()))?;
                    let plain = !id.is_empty()
                        && id.len() <= 64
                        && id
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
                    plain.then(|| TrustedDevice {
                        id,
                        name: crate::one_line::cut(
                            d["name"]
                                .as_str()
                                .or(d["modelName"].as_str())
                                .unwrap_or("SMS"),
                            80,
                        ),
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}
