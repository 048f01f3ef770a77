//! Apple's services over the network: web sign-in (SRP, 2FA, trust), sessions, connection test.

pub mod connection_test;
pub mod endpoint;
pub mod fastlane_yaml;
pub mod http;
pub mod session;
pub mod signin;
