#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| apple_conn::fuzzing::workspace(data));
