//! Integration tests: a real index on disk and a real HTTP server on a free port, driven the
//! way the widget, staff tools and visitors use it.

mod app;
mod attack_access;
mod attack_corpus;
mod attack_store;
mod backup;
mod bad_input;
mod booking;
mod callback;
mod check;
mod clinic;
mod contract;
mod corpus;
mod going_live;
mod logs;
mod metrics;
mod openapi;
mod proxy;
#[path = "../support/receivers.rs"]
mod receivers;
mod robust;
mod slow_clients;
mod staff;
mod urgent;
mod vocabulary;
