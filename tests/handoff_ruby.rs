//! Hand-offs checked in fastlane's own cookie library: Debian's ruby + ruby-http-cookie make the
//! sessions at test time, and load what apple-conn writes the way fastlane loads FASTLANE_SESSION.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::*;
use serde_json::Value;

fn ruby_ready() -> bool {
    have("ruby")
        && Command::new("ruby")
            .args(["-e", "require 'http-cookie'"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
}

/// fastlane's loading, copied from spaceship: `Spaceship::Client#load_session_from_env`
/// (`gsub("\\n", "\n")`, a Tempfile, then `@cookie.load(file.path)`: HTTP::CookieJar#load,
/// i.e. `YAML.safe_load` with Time/HTTP::Cookie permitted and aliases on); errors are raised.
const PRELUDE: &str = r##"
require 'http-cookie'
require 'yaml'
require 'json'
require 'time'
require 'tempfile'

def fastlane_load(str)
  file = Tempfile.new('cookie.yml')
  file.write(str.gsub("\\n", "\n"))
  file.close
  jar = HTTP::CookieJar.new
  jar.load(file.path)
  jar
ensure
  file.unlink if file
end

def describe(jar)
  jar.cookies.sort_by(&:name).map { |c|
    { 'name' => c.name, 'value' => c.value, 'domain' => c.domain,
      'for_domain' => c.for_domain ? true : false, 'path' => c.path,
      'expires' => c.expires && c.expires.utc.iso8601(9),
      'created_at' => c.created_at && c.created_at.utc.iso8601(9) }
  }
end

# go-xcode devportalservice/devportalservice.go lines 196-228 (commit 1146c9c), FastlaneLoginSession:
# text/template, values unquoted, nil for_domain -> true, a blank line after each cookie.
def go_xcode_fastlane_login_session(portal)
  out = []
  (portal['session_cookies']['https://idmsa.apple.com'] || []).each do |c|
    out << "---\n" if out.empty?
    for_domain = c.key?('for_domain') ? c['for_domain'] : true
    out << "- !ruby/object:HTTP::Cookie\n  name: #{c['name']}\n  value: #{c['value']}\n  domain: #{c['domain']}\n  for_domain: #{for_domain}\n  path: \"#{c['path']}\"\n" + "\n"
  end
  out.join
end

# steps-ios-auto-provision tag 2.0.3, lib/autoprovision/auth_helper.rb lines 9-15 and 78-96:
# COOKIE_TEMPLATE and convert_des_cookie, verbatim but for the Log.debug lines.
COOKIE_TEMPLATE = '- !ruby/object:HTTP::Cookie
  name: <NAME>
  value: <VALUE>
  domain: <DOMAIN>
  for_domain: <FOR_DOMAIN>
  path: "<PATH>"
'.freeze

def convert_des_cookie(cookies_json_str)
  converted_cookies = ''
  cookies_json_str.each_value do |cookies|
    cookies.each do |cookie|
      name = cookie['name'].to_s
      value = cookie['value'].to_s
      domain = cookie['domain'].to_s
      for_domain = cookie['for_domain'] || 'true'
      path = cookie['path'].to_s
      converted_cookie = COOKIE_TEMPLATE.sub('<NAME>', name).sub('<VALUE>', value).sub('<DOMAIN>', domain).sub('<FOR_DOMAIN>', for_domain).sub('<PATH>', path)
      converted_cookies = '---' + "\n" if converted_cookies.empty?
      converted_cookies += converted_cookie + "\n"
    end
  end
  converted_cookies
end
"##;

fn ruby(dir: &Path, script: &str, args: &[&str]) -> String {
    let path = dir.join("check.rb");
    write(&path, &format!("{PRELUDE}\n{script}"));
    let out = Command::new("ruby")
        .arg(&path)
        .args(args)
        .output()
        .expect("ruby");
    assert!(
        out.status.success(),
        "ruby failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Samples made by http-cookie itself, and what fastlane's loader makes of each.
const MAKE_SAMPLES: &str = r##"
dir = ARGV[0]
now = Time.now
def mk(name, value, domain, created, **opts)
  c = HTTP::Cookie.new(name, value, domain: domain, path: '/', **opts)
  c.created_at = created
  c.accessed_at = created
  c
end
des = 'DES58b0eba556d80ed2b98707e15ffafd344'
spaceauth = lambda { |jar| jar.cookies.select { |c| c.name =~ /\A(myacinfo|dqsid|DES)/ } }

fresh = HTTP::CookieJar.new
fresh << mk(des, 'HSARMTKNSRVTWFla+/aaa==SRVT', 'idmsa.apple.com', now, secure: true, httponly: true, max_age: 2592000)
fresh << mk('myacinfo', 'DAWTKNV2fresh0123', 'apple.com', now, for_domain: true, secure: true, httponly: true)
fresh << mk('dqsid', 'eyJhbGciOiJFUzI1NiJ9.fresh', 'appstoreconnect.apple.com', now, secure: true, httponly: true, max_age: 1800)
# spaceship/lib/spaceship/spaceauth_runner.rb: the chosen cookies' to_yaml, newlines written as \n.
File.write("#{dir}/fresh.txt", spaceauth.(fresh).to_yaml.gsub("\n", "\\n"))

old = HTTP::CookieJar.new
ten_days = now - 10 * 86400
old << mk(des, 'HSARMTKNSRVTWFla+/old==SRVT', 'idmsa.apple.com', ten_days, secure: true, httponly: true, max_age: 2592000)
old << mk('myacinfo', 'DAWTKNV2old4567', 'apple.com', ten_days, for_domain: true, secure: true, httponly: true)
old << mk('dqsid', 'eyJhbGciOiJFUzI1NiJ9.old', 'appstoreconnect.apple.com', ten_days, secure: true, httponly: true, max_age: 1800)
File.write("#{dir}/old.txt", "export FASTLANE_SESSION='" + spaceauth.(old).to_yaml.gsub("\n", "\\n") + "'\n")

# fastlane's own cookie file (Spaceship::Client#store_cookie: jar.save(path, :yaml, session: true)).
full = HTTP::CookieJar.new
HTTP::Cookie.parse("#{des}=\"HSARMTKNSRVTWFla+/full==SRVT\"; Expires=#{(now + 17 * 86400).httpdate}; Domain=idmsa.apple.com; Path=/; Secure; HttpOnly", 'https://idmsa.apple.com/appleauth/auth/signin').each { |c| full << c }
full << mk('myacinfo', 'DAWTKNV2full89ab', 'apple.com', now, for_domain: true, secure: true, httponly: true)
full << mk('dqsid', 'eyJhbGciOiJFUzI1NiJ9.full', 'appstoreconnect.apple.com', now, secure: true, httponly: true)
full << mk('itcdq', '0', 'appstoreconnect.apple.com', now)
full << mk('dc', '-1', 'apple.com', now, for_domain: true)
full.save("#{dir}/full.yml", :yaml, session: true)

expected = {}
%w[fresh old full].each do |name|
  text = File.read(Dir["#{dir}/#{name}.*"].first)
  text = text.strip.sub(/\Aexport FASTLANE_SESSION='/, '').sub(/'\z/, '')
  expected[name] = describe(fastlane_load(text))
end
puts JSON.generate(expected)
"##;

struct Fixture {
    dir: tempfile::TempDir,
    ws: PathBuf,
    expected: Value,
}

fn fixture(extra_ws: &str) -> Option<Fixture> {
    if !require(ruby_ready(), "ruby with ruby-http-cookie") {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws.toml");
    write(
        &ws,
        &format!(
            "version = 1\nyou = \"a@example.com\"\n\n[[apple_ids]]\napple_id = \"a@example.com\"\npassword = {{ env = \"HO_PW\" }}\nsession = {{ path = \"session.json\" }}\n{extra_ws}"
        ),
    );
    let out = ruby(dir.path(), MAKE_SAMPLES, &[dir.path().to_str().unwrap()]);
    let expected: Value = serde_json::from_str(&out).unwrap();
    Some(Fixture { dir, ws, expected })
}

impl Fixture {
    fn sample(&self, name: &str) -> PathBuf {
        let ext = if name == "full" { "yml" } else { "txt" };
        self.dir.path().join(format!("{name}.{ext}"))
    }

    fn apple_conn(&self, args: &[&str]) -> Run {
        let mut cmd = bin();
        cmd.env("HO_PW", "pw-Secret-123")
            .args(["-c", self.ws.to_str().unwrap()])
            .args(args);
        run(&mut cmd)
    }

    fn import(&self, name: &str) -> Run {
        let from = format!("file:{}", self.sample(name).display());
        self.apple_conn(&["session", "import", "a@example.com", "--from", &from])
    }

    /// Every cookie value of every sample: none may show up where it has no business.
    fn values(&self) -> Vec<String> {
        let mut v: Vec<String> = ["fresh", "old", "full"]
            .iter()
            .flat_map(|n| self.expected[n].as_array().unwrap().clone())
            .map(|c| c["value"].as_str().unwrap().to_string())
            .filter(|v| v.len() > 3)
            .collect();
        v.push("pw-Secret-123".into());
        v
    }

    fn assert_no_secret(&self, text: &str) {
        for v in self.values() {
            assert!(!text.contains(&v), "a secret leaked into: {text}");
        }
    }

    /// What fastlane's loader makes of a FASTLANE_SESSION value.
    fn fastlane_loads(&self, session: &str) -> Value {
        let file = self.dir.path().join("loaded.txt");
        write(&file, session);
        let out = ruby(
            self.dir.path(),
            "puts JSON.generate(describe(fastlane_load(File.read(ARGV[0]))))",
            &[file.to_str().unwrap()],
        );
        serde_json::from_str(&out).unwrap()
    }

    fn workspace_time(&self, key: &str) -> Option<String> {
        let text = std::fs::read_to_string(&self.ws).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{key} = ")))
            .map(str::to_string)
    }
}

fn spaceauth_only(cookies: &Value) -> Vec<Value> {
    cookies
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            let n = c["name"].as_str().unwrap();
            n.starts_with("myacinfo") || n == "dqsid" || n.starts_with("DES")
        })
        .cloned()
        .collect()
}

fn cookie<'a>(cookies: &'a Value, prefix: &str) -> &'a Value {
    cookies
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"].as_str().unwrap().starts_with(prefix))
        .unwrap()
}

/// `2026-12-16T21:09:24.123456789Z` as the workspace records it (whole seconds).
fn seconds(iso: &str) -> String {
    format!("{}Z", &iso[..19])
}

#[test]
fn imported_sessions_keep_the_expiry_http_cookie_computes_and_export_round_trips() {
    let Some(f) = fixture("") else { return };
    let full = std::fs::read_to_string(f.sample("full")).unwrap();
    assert!(
        full.contains(" Z\n")
            && full.contains("value: '0'")
            && full.contains("value: \"-1\"")
            && full.contains("*1"),
        "the sample has Psych's forms: {full}"
    );
    for name in ["fresh", "old", "full"] {
        let r = f.import(name);
        assert_eq!(r.code, 0, "{name}: {}", r.all());
        f.assert_no_secret(&r.all());
        let expected = &f.expected[name];
        let des = cookie(expected, "DES");
        assert_eq!(
            f.workspace_time("session_expires_at").as_deref(),
            Some(seconds(des["expires"].as_str().unwrap()).as_str()),
            "{name}: the trust cookie's expiry as http-cookie computes it"
        );
        assert_eq!(
            f.workspace_time("authenticated_at").as_deref(),
            Some(seconds(des["created_at"].as_str().unwrap()).as_str()),
            "{name}: authenticated when the trust cookie was made"
        );
        let exported = f.apple_conn(&["session", "export", "a@example.com"]);
        assert_eq!(exported.code, 0, "{}", exported.all());
        f.assert_no_secret(&exported.stderr);
        let loaded = f.fastlane_loads(exported.stdout.trim());
        assert_eq!(
            loaded,
            Value::Array(spaceauth_only(expected)),
            "{name}: fastlane loads the exported session as it loaded the original"
        );
        let raw = f.apple_conn(&["session", "export", "a@example.com", "--raw"]);
        assert_eq!(f.fastlane_loads(&raw.stdout), loaded, "{name} --raw");
    }
    // The 10-day-old session: 20 days left, and its half-hour dqsid already gone (as fastlane drops it).
    let old = &f.expected["old"];
    assert!(!old.as_array().unwrap().iter().any(|c| c["name"] == "dqsid"));
}

#[test]
fn portal_data_passes_go_xcodes_template_and_auto_provision_into_http_cookie() {
    let p8_dir = tempfile::tempdir().unwrap();
    let p8 = openssl_p256(p8_dir.path(), "AuthKey_ABCDE12345.p8");
    let Some(f) = fixture(&format!(
        "\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ path = \"{}\" }}\n\n[[apps]]\nslug = \"app\"\napi_key = \"CI key\"\napple_id = \"a@example.com\"\n",
        p8.display()
    )) else {
        return;
    };
    assert_eq!(f.import("full").code, 0);
    let out = f.dir.path().join("portal.json");
    let r = f.apple_conn(&[
        "export",
        "bitrise-portal-data",
        "--app",
        "app",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    f.assert_no_secret(&r.all());
    let portal: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let cookies = portal["session_cookies"]["https://idmsa.apple.com"]
        .as_array()
        .unwrap();
    let mut names: Vec<&str> = cookies
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["DES58b0eba556d80ed2b98707e15ffafd344", "myacinfo"]);
    for c in cookies {
        assert!(c.get("for_domain").is_none(), "{c}");
        for field in ["name", "value", "domain", "path"] {
            assert!(c[field].is_string(), "{field}: {c}");
        }
    }
    assert_eq!(portal["issuer_id"], ISSUER);

    let expected: Vec<(String, String)> = f.expected["full"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| names.contains(&c["name"].as_str().unwrap()))
        .map(|c| {
            (
                c["name"].as_str().unwrap().into(),
                c["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    let loaded = ruby(
        f.dir.path(),
        r##"portal = JSON.parse(File.read(ARGV[0]))
[go_xcode_fastlane_login_session(portal), convert_des_cookie(portal['session_cookies'])].each do |session|
  puts JSON.generate(describe(fastlane_load(session)).map { |c| [c['name'], c['value']] })
end"##,
        &[out.to_str().unwrap()],
    );
    for line in loaded.lines() {
        let got: Vec<(String, String)> = serde_json::from_str(line).unwrap();
        assert_eq!(
            got, expected,
            "each step's YAML loads in http-cookie with the same cookies"
        );
    }
}

#[test]
fn an_individual_key_is_never_written_as_an_empty_issuer_id() {
    let p8_dir = tempfile::tempdir().unwrap();
    let p8 = openssl_p256(p8_dir.path(), "AuthKey_INDIV12345.p8");
    let key = format!(
        "\n[[api_keys]]\nname = \"Mine\"\nkey_id = \"INDIV12345\"\nkind = \"individual\"\nprivate_key = {{ path = \"{}\" }}\n",
        p8.display()
    );
    let Some(f) = fixture(&format!(
        "{key}\n[[apps]]\nslug = \"both\"\napi_key = \"Mine\"\napple_id = \"a@example.com\"\n\n[[apps]]\nslug = \"keyonly\"\napi_key = \"Mine\"\n"
    )) else {
        return;
    };
    assert_eq!(f.import("fresh").code, 0);
    let out = f.dir.path().join("both.json");
    let r = f.apple_conn(&[
        "export",
        "bitrise-portal-data",
        "--app",
        "both",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 0, "{}", r.all());
    assert!(
        r.stderr.contains("individual key") && r.stderr.contains("Apple ID part only"),
        "{}",
        r.stderr
    );
    let portal: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert!(
        portal.get("issuer_id").is_none() && portal.get("key_id").is_none(),
        "{portal}"
    );
    assert_eq!(portal["apple_id"], "a@example.com");

    let out = f.dir.path().join("keyonly.json");
    let r = f.apple_conn(&[
        "export",
        "bitrise-portal-data",
        "--app",
        "keyonly",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains("individual key") && r.stderr.contains("issuer_id is empty"),
        "{}",
        r.stderr
    );
    assert!(!out.exists(), "nothing written");
}

#[test]
fn a_bad_session_is_named_by_line_and_field_never_by_its_value() {
    let Some(f) = fixture("") else { return };
    let full = std::fs::read_to_string(f.sample("full")).unwrap();
    let line = full
        .lines()
        .position(|l| l.starts_with("  max_age:"))
        .unwrap()
        + 1;
    let broken = full.replacen(
        &full.lines().nth(line - 1).unwrap().to_string(),
        "  max_age: DAWTKNV2leakme",
        1,
    );
    let file = f.dir.path().join("broken.yml");
    write(&file, &broken);
    let r = f.apple_conn(&[
        "session",
        "import",
        "a@example.com",
        "--from",
        &format!("file:{}", file.display()),
    ]);
    assert_eq!(r.code, 1, "{}", r.all());
    assert!(
        r.stderr.contains(&format!("line {line}")) && r.stderr.contains("max_age"),
        "{}",
        r.stderr
    );
    assert!(!r.all().contains("leakme"), "{}", r.all());
    f.assert_no_secret(&r.all());
    assert!(
        !f.dir.path().join("session.json").exists(),
        "nothing stored"
    );
}

/// Every value written by `session export` reads back in Psych (fastlane's YAML) as that same
/// string: YAML 1.1's look-alikes and 2,000 pseudo-random strings, one `YAML.safe_load`.
#[test]
fn psych_reads_every_written_scalar_as_the_same_string() {
    if !require(ruby_ready(), "ruby with ruby-http-cookie") {
        return;
    }
    use apple_conn::apple::fastlane_yaml::{plain_ok, scalar};
    let mut values: Vec<String> = [
        "0",
        "-1",
        "+1",
        "1_000",
        "12:30",
        "1:20:30",
        ".inf",
        "-.Inf",
        ".NaN",
        "0x1F",
        "0b11",
        "0o17",
        "017",
        "1,000",
        "1e3",
        "1.5",
        "1.",
        ".5",
        "2026-11-29",
        "2026-11-29 10:00:00",
        "2026-11-29T10:00:00Z",
        "yes",
        "No",
        "ON",
        "off",
        "y",
        "n",
        "true",
        "FALSE",
        "~",
        "null",
        "",
        " ",
        "a: b",
        "a #b",
        "-",
        "- a",
        "? a",
        ":sym",
        "!!int 1",
        "&a",
        "*a",
        "%x",
        "@x",
        "`x",
        "|",
        ">",
        "[",
        "{",
        "#",
        "'",
        "\"",
        "=",
        "<<",
        "a\"b'c",
        "é",
        "\u{2028}",
        "a\\nb",
        "DAWTKNV2abc",
        "HSARMTKN+/x==SRVT",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let alphabet: Vec<char> = "0123456789aeEnNoOxXyYsStTfF.,_:+-~ #'\"!&*?|>[]{}%@`=\\/é\t"
        .chars()
        .collect();
    let mut seed: u64 = 0x5eed;
    for _ in 0..2000 {
        let mut s = String::new();
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        for _ in 0..(seed >> 60) + 1 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            s.push(alphabet[(seed >> 33) as usize % alphabet.len()]);
        }
        values.push(s);
    }
    let yaml: String = values
        .iter()
        .map(|v| format!("- {}\n", scalar(v)))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("values.yml");
    write(&file, &format!("---\n{yaml}"));
    let out = ruby(
        dir.path(),
        "loaded = YAML.safe_load(File.read(ARGV[0]), permitted_classes: [Time], aliases: true)
bad = loaded.each_with_index.reject { |v, i| v.is_a?(String) }.map { |v, i| i }
puts JSON.generate({ 'strings' => loaded.map(&:to_s), 'not_strings' => bad })",
        &[file.to_str().unwrap()],
    );
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["not_strings"], Value::Array(vec![]), "{yaml}");
    let got: Vec<String> = serde_json::from_value(v["strings"].clone()).unwrap();
    assert_eq!(got, values);
    assert!(plain_ok("DAWTKNV2abc") && !plain_ok("0"));
}

/// fastlane's loading of an `api_key_path` file, from spaceship/lib/spaceship/connect_api/token.rb
/// (`Token.from_json_file`, `Token.create`, `initialize`, `refresh!`; fastlane commit 091dded):
/// JSON with symbol names, `key_id`/`issuer_id`/`key` required, the keywords `create` takes and
/// no other, `OpenSSL::PKey::EC.new(key)`, duration at most 1200, then an ES256 signature (the
/// `jwt` gem's ES256 is OpenSSL's ECDSA over SHA-256). Prints what it read, never the key.
#[cfg(unix)]
const FASTLANE_KEY_JSON: &str = r##"
require 'openssl'
MAX_TOKEN_DURATION = 1200
def create(key_id: nil, issuer_id: nil, filepath: nil, key: nil, duration: nil, in_house: nil)
  ec = OpenSSL::PKey::EC.new(key)
  raise "not P-256: #{ec.group.curve_name}" unless ec.group.curve_name == 'prime256v1'
  duration ||= MAX_TOKEN_DURATION
  raise "duration #{duration} is over #{MAX_TOKEN_DURATION}" if duration.to_i > MAX_TOKEN_DURATION
  sig = ec.sign(OpenSSL::Digest.new('SHA256'), 'header.payload')
  raise 'the signature does not verify' unless ec.verify(OpenSSL::Digest.new('SHA256'), sig, 'header.payload')
  { 'key_id' => key_id, 'issuer_id' => issuer_id, 'duration' => duration, 'in_house' => in_house }
end
json = JSON.parse(File.read(ARGV[0]), { symbolize_names: true })
missing = %i[key_id issuer_id key].reject { |k| json.key?(k) }
raise "App Store Connect API key JSON is missing field(s): #{missing.join(', ')}" unless missing.empty?
puts JSON.generate(create(**json))
"##;

#[cfg(unix)]
#[test]
fn env_reveals_an_api_key_path_fastlane_loads() {
    if !require(ruby_ready(), "ruby with ruby-http-cookie") || !require(have("openssl"), "openssl")
    {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let p8 = openssl_p256(dir.path(), "AuthKey_ABCDE12345.p8");
    let ws = dir.path().join("ws.toml");
    write(
        &ws,
        &format!(
            "version = 1\nyou = \"a@example.com\"\n\n[[api_keys]]\nname = \"CI key\"\nkey_id = \"ABCDE12345\"\nissuer_id = \"{ISSUER}\"\nprivate_key = {{ path = \"{}\" }}\n\n[[apps]]\nslug = \"shop\"\napi_key = \"CI key\"\n\n[[apps.steps]]\nid = \"deploy-to-itunesconnect-deliver\"\n[apps.steps.inputs]\nbundle_id = \"io.example.shop\"\n",
            p8.display()
        ),
    );
    let r = run(bin()
        .env("TMPDIR", dir.path())
        .arg("-c")
        .arg(&ws)
        .args([
            "env",
            "--app",
            "shop",
            "--step",
            "deploy-to-itunesconnect-deliver",
        ])
        .args(["--reveal", "--format", "json"]));
    assert_eq!(r.code, 0, "{}", r.all());
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let path = v["receives"]["--api_key_path"].as_str().unwrap();
    let loaded: Value =
        serde_json::from_str(&ruby(dir.path(), FASTLANE_KEY_JSON, &[path])).unwrap();
    assert_eq!(loaded["key_id"], "ABCDE12345");
    assert_eq!(loaded["issuer_id"], ISSUER);
    assert_eq!(loaded["duration"], 1200);
    assert_eq!(loaded["in_house"], false);
    // The loader is not lenient: a document without its key is refused as fastlane refuses it.
    let broken = dir.path().join("broken.json");
    write(
        &broken,
        &format!("{{\"key_id\":\"ABCDE12345\",\"issuer_id\":\"{ISSUER}\"}}"),
    );
    let out = Command::new("ruby")
        .arg(dir.path().join("check.rb"))
        .arg(&broken)
        .output()
        .unwrap();
    assert!(
        !out.status.success()
            && String::from_utf8_lossy(&out.stderr).contains("missing field(s): key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
