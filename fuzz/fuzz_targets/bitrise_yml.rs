#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| apple_conn::fuzzing::bitrise_yml(data));
