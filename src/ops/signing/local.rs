//! `[apps.signing]`: the .p12 and .mobileprovision files of a local build, read from disk. The
//! file's bytes and the password are held zeroized and dropped once parsed.

use zeroize::Zeroizing;

use crate::domain::signing::files::{CertFile, From, ProfileFile};
use crate::domain::signing::settings::AppSigning;
use crate::secrets::{EntryName, SecretStore, Secrets};
use crate::signing::{read_p12, read_profile};
use crate::store::{Loaded, resolve_path};

/// A signing file is small; a bigger one is not read.
const FILE_CAP: u64 = 4 * 1024 * 1024;

/// The app's local certificates and profiles, each parsed or with why not.
pub fn read(
    loaded: &Loaded,
    keyring: &dyn SecretStore,
    slug: &str,
    signing: &AppSigning,
) -> (Vec<CertFile>, Vec<ProfileFile>) {
    let secrets = Secrets {
        keyring,
        workspace_file: &loaded.path,
    };
    let certs = signing
        .certificates
        .iter()
        .map(|c| {
            let parsed = read_file(loaded, &c.path).and_then(|bytes| {
                let password = match &c.password {
                    None => Zeroizing::new(String::new()),
                    Some(r) => secrets
                        .get(r, &EntryName::signing_password(slug, &c.path))
                        .map(|v| Zeroizing::new(v.expose().to_string()))
                        .map_err(|e| format!("its password ({}): {e}", r.describe()))?,
                };
                read_p12(&bytes, &password).map_err(|e| e.to_string())
            });
            CertFile {
                from: From::File,
                name: c.path.clone(),
                certs: parsed,
                listed: Vec::new(),
            }
        })
        .collect();
    let profiles = signing
        .profiles
        .iter()
        .map(|p| ProfileFile {
            from: From::File,
            name: p.clone(),
            profile: read_file(loaded, p).and_then(|b| read_profile(&b)),
        })
        .collect();
    (certs, profiles)
}

fn read_file(loaded: &Loaded, path: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    use std::io::Read;
    let full = resolve_path(&loaded.path, path);
    let file =
        std::fs::File::open(&full).map_err(|e| format!("cannot open {}: {e}", full.display()))?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(FILE_CAP + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {}: {e}", full.display()))?;
    if bytes.len() as u64 > FILE_CAP {
        return Err(format!(
            "{} is over 4 MiB: not a signing file",
            full.display()
        ));
    }
    Ok(bytes)
}
