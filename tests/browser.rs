//! The chat widget in a real browser, used as a visitor would: keyboard to the launcher, ask,
//! follow up, follow a source link to the highlighted passage, come back to a restored
//! conversation, reach the clinic's contact links, close with Escape. Then, in a fresh tab:
//! the privacy line, a request for a person answered with a call-back form, filled in and sent
//! (the test's webhook and SMTP receivers get it), staff marking it handled on `/staff`, and
//! the visitor erasing the conversation from the database. Last, on a clinic's own site (another
//! origin): the widget in the clinic's words, with its logo, on the left, a booking button after
//! an answer about a treatment only, `tel:` links, and the dark theme (the system setting
//! emulated, then forced). Saves screenshots of the desktop and phone layouts, the privacy
//! line, the form, the staff page, the clinic's widget and the dark theme to
//! `target/screenshots/`.
//!
//! Needs `chromedriver` on the PATH and Debian's Chromium at `/usr/bin/chromium`. Without them
//! the test says loudly that it SKIPPED and passes, unless `CLINIC_CHAT_REQUIRE_BROWSER` is set
//! (CI sets it), in which case it fails.

use std::io::Write;
use std::net::{SocketAddr, TcpListener as StdListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clinic_chat::config::Config;
use clinic_chat::http::{self, AppState};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::{Element, ElementRef};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder};
use serde_json::{Value, json};
use tokio::sync::oneshot;

#[path = "support/receivers.rs"]
mod receivers;
use receivers::{Inbox, Receiver, smtp_server, webhook};

const CHROMIUM: &str = "/usr/bin/chromium";
const ARTICLE: &str = "corpus/mesotherapy-for-flawless-skin.txt";
const BOOKING: &str = "https://bloom.example/book";
/// Every wait in the test is bounded by this (or less); the whole scenario by `SCENARIO_LIMIT`.
const WAIT: Duration = Duration::from_secs(10);
const SCENARIO_LIMIT: Duration = Duration::from_secs(180);
const BROWSER_START: Duration = Duration::from_secs(60);
const BROWSER_ATTEMPTS: usize = 3;
const DESKTOP: (u32, u32) = (1280, 900);
const PHONE: (u32, u32) = (390, 844);

/// The widget's shadow root, as a prefix for scripts.
const ROOT: &str = "var host = document.querySelector('#clinic-chat-host'); \
                    var r = host && host.shadowRoot; if (!r) return null;";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_uses_the_widget_with_keyboard_and_links() {
    let Some(chromedriver) = find_browser() else {
        return;
    };
    let started = Instant::now();
    let server = Server::start().await;
    let (driver, _profile, client) = start_browser(&chromedriver).await;

    // The scenario runs as its own task so that a failed assertion (a panic) still lets us end
    // the browser session; the guards then stop chromedriver and the server.
    let clinic = server.clinic();
    let scenario = tokio::spawn({
        let client = client.clone();
        async move {
            visitor(client.clone(), clinic.base.clone()).await;
            let base = clinic.base.clone();
            reaching_the_clinic(client.clone(), clinic).await;
            the_clinics_own_voice(client, base).await;
        }
    });
    let outcome = tokio::time::timeout(SCENARIO_LIMIT, scenario).await;
    let _ = tokio::time::timeout(Duration::from_secs(5), client.close()).await;
    drop(driver);
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(e)) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Ok(Err(e)) => panic!("the browser scenario did not finish: {e}"),
        Err(_) => panic!("the browser scenario took longer than {SCENARIO_LIMIT:?}"),
    }
    eprintln!("browser test finished in {:.1?}", started.elapsed());
}

/// The last assistant message's source links (absolute hrefs).
const SOURCE_LINKS: &str = "var m = r.querySelectorAll('.cc-msg.cc-bot'); \
    return Array.from(m[m.length - 1].querySelectorAll('.cc-sources a')).map(function (a) { return a.href; });";
/// The last assistant message's contact links (hrefs as written).
const CONTACT_LINKS: &str = "var m = r.querySelectorAll('.cc-msg.cc-bot'); \
    return Array.from(m[m.length - 1].querySelectorAll('.cc-contact a')).map(function (a) { return a.getAttribute('href'); });";
/// The panel's box and the viewport's size.
const PANEL_BOX: &str = "var b = r.querySelector('.cc-panel').getBoundingClientRect(); \
    var d = document.documentElement; return [b.left, b.top, b.width, b.height, d.clientWidth, d.clientHeight];";
/// On an article page, once it has scrolled to the fragment: where we are and what is targeted.
const LANDED: &str = "var t = document.querySelector(':target'); \
    if (document.readyState !== 'complete' || !location.hash || !t) return null; \
    var top = t.getBoundingClientRect().top; if (top < 0 || top > innerHeight / 3) return null; \
    return {url: location.href, path: location.pathname, hash: decodeURIComponent(location.hash.slice(1)), \
            target: t.id, text: t.textContent, mark: getComputedStyle(t).backgroundColor};";

async fn visitor(client: Client, base: String) {
    set_viewport(&client, DESKTOP).await;
    client.goto(&format!("{base}/")).await.unwrap();
    let launcher = format!("{ROOT} return !!r.querySelector('.cc-launcher');");
    wait_for(&client, "the widget's launcher", &launcher, |v| {
        v == &json!(true)
    })
    .await;

    // Keyboard only: Tab from the top of the page until the launcher has focus, then Enter.
    let mut tabs = 0;
    while focused(&client).await != "cc-launcher" {
        tabs += 1;
        let now = focused(&client).await;
        assert!(
            tabs <= 25,
            "25 presses of Tab never reached the chat launcher; focus: {now}"
        );
        press(&client, Key::Tab).await;
    }
    press(&client, Key::Enter).await;
    assert_eq!(
        panel_hidden(&client).await,
        json!(false),
        "Enter on the launcher opens the panel"
    );
    assert_eq!(
        focused(&client).await,
        "cc-input",
        "opening the panel focuses the question field"
    );
    assert_eq!(
        attr(&client, ".cc-launcher", "aria-expanded").await,
        json!("true")
    );

    // A question typed at once (without waiting for the greeting) and sent with Enter, then a
    // follow-up read in its light.
    let input = shadow_find(&client, ".cc-input").await;
    let reply = ask(
        &client,
        &input,
        "How many sessions do I need for hair loss?",
    )
    .await;
    assert!(
        reply.contains("6-8"),
        "the hair loss answer gives 6-8 sessions: {reply}"
    );
    assert_eq!(
        focused(&client).await,
        "cc-input",
        "focus stays in the field after sending"
    );
    let reply = ask(&client, &input, "and for cellulite?").await;
    assert!(
        reply.contains("4-6"),
        "the cellulite follow-up gives 4-6 sessions: {reply}"
    );
    assert_no_horizontal_overflow(&client).await;
    assert_panel_within_viewport(&client).await;
    screenshot(&client, "widget-desktop.png").await;

    // Sources: the answer links to its passage in the article.
    let hrefs = client
        .execute(&format!("{ROOT} {SOURCE_LINKS}"), vec![])
        .await
        .unwrap();
    let hrefs: Vec<String> = serde_json::from_value(hrefs).unwrap();
    assert!(!hrefs.is_empty(), "the answer shows its sources as links");
    let first_source =
        "Array.from(r.querySelectorAll('.cc-msg.cc-bot')).pop().querySelector('.cc-sources a')";
    let link = shadow_element(&client, first_source).await;
    follow_source(&client, &link, &hrefs[0], &base).await;

    // Back on the home page in the same tab: the conversation is still there.
    client.goto(&format!("{base}/")).await.unwrap();
    let log = format!("{ROOT} return r.querySelector('.cc-log').textContent;");
    wait_for(&client, "the restored conversation", &log, |v| {
        v.as_str()
            .is_some_and(|t| dashes(t).contains("6-8") && dashes(t).contains("4-6"))
    })
    .await;
    if panel_hidden(&client).await != json!(false) {
        shadow_find(&client, ".cc-launcher")
            .await
            .click()
            .await
            .unwrap();
    }
    assert_eq!(
        panel_hidden(&client).await,
        json!(false),
        "the panel is open again"
    );
    let input = shadow_find(&client, ".cc-input").await;
    input.click().await.unwrap();

    // A question the articles don't answer: the clinic's contact details, as links.
    ask(&client, &input, "how much does it cost?").await;
    let contact = client
        .execute(&format!("{ROOT} {CONTACT_LINKS}"), vec![])
        .await
        .unwrap();
    let contact: Vec<String> = serde_json::from_value(contact).unwrap();
    assert!(
        contact
            .iter()
            .any(|h| h.starts_with("tel:") || h.starts_with("mailto:")),
        "the fallback offers a tel: or mailto: link: {contact:?}"
    );
    assert_no_horizontal_overflow(&client).await;
    assert_panel_within_viewport(&client).await;
    screenshot(&client, "widget-desktop-contact.png").await;

    // Escape closes the panel and gives focus back to the launcher.
    assert_eq!(focused(&client).await, "cc-input");
    press(&client, Key::Escape).await;
    assert_eq!(
        panel_hidden(&client).await,
        json!(true),
        "Escape hides the panel"
    );
    assert_eq!(
        focused(&client).await,
        "cc-launcher",
        "Escape returns focus to the launcher"
    );
    assert_eq!(
        attr(&client, ".cc-launcher", "aria-expanded").await,
        json!("false")
    );

    // A phone: the open panel fills the screen (polled: the panel slides in).
    set_viewport(&client, PHONE).await;
    shadow_find(&client, ".cc-launcher")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(panel_hidden(&client).await, json!(false));
    wait_for(
        &client,
        "the panel to fill the phone's screen",
        &format!("{ROOT} {PANEL_BOX}"),
        |v| {
            let b: Vec<f64> = serde_json::from_value(v.clone()).unwrap_or_default();
            b.len() == 6 && b[..4] == [0.0, 0.0, b[4], b[5]]
        },
    )
    .await;
    assert_no_horizontal_overflow(&client).await;
    let page_overflow = "return getComputedStyle(document.documentElement).overflowY;";
    let locked = client.execute(page_overflow, vec![]).await.unwrap();
    assert_eq!(
        locked,
        json!("hidden"),
        "the page does not scroll under the full-screen panel"
    );
    screenshot(&client, "widget-phone.png").await;
    press(&client, Key::Escape).await;
    assert_eq!(
        panel_hidden(&client).await,
        json!(true),
        "Escape hides the panel"
    );
    let unlocked = client.execute(page_overflow, vec![]).await.unwrap();
    assert_eq!(
        unlocked,
        json!("visible"),
        "closing the panel lets the page scroll again"
    );
}

/// A visitor who wants a person: the privacy line on first open, a call-back form under the
/// reply, a confirmation once sent; the clinic's receivers get it; staff mark it handled; the
/// visitor erases the conversation and the database holds nothing of it.
async fn reaching_the_clinic(client: Client, clinic: Clinic) {
    // A fresh tab: a first visit, with nothing in the tab's storage.
    let tab = client.new_window(true).await.unwrap();
    client.switch_to_window(tab.handle).await.unwrap();
    set_viewport(&client, DESKTOP).await;
    client.goto(&format!("{}/", clinic.base)).await.unwrap();
    let launcher = format!("{ROOT} return !!r.querySelector('.cc-launcher');");
    wait_for(&client, "the widget's launcher", &launcher, |v| {
        v == &json!(true)
    })
    .await;
    shadow_find(&client, ".cc-launcher")
        .await
        .click()
        .await
        .unwrap();
    let line = format!(
        "{ROOT} var n = r.querySelector('.cc-note'); \
         return n && {{text: n.textContent, href: n.querySelector('a') && n.querySelector('a').href}};"
    );
    let shown = wait_for(
        &client,
        "the privacy line with the retention period",
        &line,
        |v| {
            v["text"]
                .as_str()
                .is_some_and(|t| t.contains("kept for 90 days"))
        },
    )
    .await;
    let text = shown["text"].as_str().unwrap();
    assert!(text.contains("Bloom Skin Clinic's articles"), "{text}");
    assert_eq!(shown["href"], json!(format!("{}/privacy", clinic.base)));
    let still = format!(
        "{ROOT} return r.querySelector('.cc-panel').getAnimations().every(function (a) {{ return a.playState === 'finished'; }});"
    );
    wait_for(&client, "the panel to finish opening", &still, |v| {
        v == &json!(true)
    })
    .await;
    screenshot(&client, "widget-privacy-line.png").await;

    // Asking for a person: the clinic's phone, and a form to be called back.
    let input = shadow_find(&client, ".cc-input").await;
    let reply = ask(&client, &input, "can I speak to a real person?").await;
    assert!(
        reply.contains("+44 20 7946 0000"),
        "the clinic's phone: {reply}"
    );
    let name = shadow_find(&client, ".cc-cb input[name=name]").await;
    name.send_keys("Jane Doe").await.unwrap();
    let phone = shadow_find(&client, ".cc-cb input[name=phone]").await;
    phone.send_keys("07700 900123").await.unwrap();
    let time = shadow_find(&client, ".cc-cb input[name=preferred_time]").await;
    time.send_keys("weekday mornings").await.unwrap();
    let about = shadow_find(&client, ".cc-cb textarea[name=message]").await;
    about.send_keys("A course for hair loss").await.unwrap();
    let send = shadow_find(&client, ".cc-cb-send").await;
    send.click().await.unwrap();
    let error = format!(
        "{ROOT} var e = r.querySelector('.cc-cb-err'); return e && !e.hidden ? e.textContent : null;"
    );
    let said = wait_for(&client, "the form asking for consent", &error, |v| {
        v.is_string()
    })
    .await;
    assert!(said.as_str().unwrap().contains("tick the box"), "{said}");
    assert_eq!(
        focused(&client).await,
        "cc-agree",
        "focus is on the consent box"
    );
    assert_no_horizontal_overflow(&client).await;
    screenshot(&client, "widget-callback-form.png").await;
    press(&client, Key::Space).await;
    send.click().await.unwrap();
    let done =
        format!("{ROOT} var d = r.querySelector('.cc-cb-done'); return d ? d.textContent : null;");
    let thanks = wait_for(&client, "the call-back confirmation", &done, |v| {
        v.is_string()
    })
    .await;
    assert!(
        thanks.as_str().unwrap().contains("Thank you, Jane Doe"),
        "{thanks}"
    );
    screenshot(&client, "widget-callback-sent.png").await;

    // The clinic got it, by webhook and by email.
    let conversation = client
        .execute(
            "return sessionStorage.getItem('clinic-chat:conversation');",
            vec![],
        )
        .await
        .unwrap();
    let conversation = conversation
        .as_str()
        .expect("the chat gave a conversation id")
        .to_string();
    let arrived = Instant::now();
    while clinic.webhook.received.lock().unwrap().is_empty()
        || clinic.inbox.messages.lock().unwrap().is_empty()
    {
        assert!(
            arrived.elapsed() < WAIT,
            "the webhook and the SMTP server get the request"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let hook = clinic.webhook.received.lock().unwrap()[0].clone();
    assert_eq!(hook["name"], "Jane Doe");
    assert_eq!(hook["conversation_id"], json!(conversation));
    let mail = clinic.inbox.messages.lock().unwrap()[0].clone();
    assert!(mail.contains("Phone: 07700 900123"), "{mail}");

    // Staff see it on /staff, with the conversation's id, and mark it handled. The chat is
    // closed first: open, it would cover the page's right-hand side.
    shadow_find(&client, ".cc-close")
        .await
        .click()
        .await
        .unwrap();
    assert_eq!(panel_hidden(&client).await, json!(true));
    client
        .goto(&format!("{}/staff", clinic.base))
        .await
        .unwrap();
    let row = "var r = document.querySelector('table.callbacks tr[id^=cb_]'); \
               return r && {text: r.textContent, status: r.className};";
    let listed = wait_for(&client, "the request on the staff page", row, |v| {
        !v.is_null()
    })
    .await;
    let text = listed["text"].as_str().unwrap();
    assert!(
        text.contains("Jane Doe") && text.contains("weekday mornings"),
        "{text}"
    );
    assert!(
        text.contains(&conversation),
        "staff see the conversation id: {text}"
    );
    assert_eq!(listed["status"], "callback-new");
    client
        .find(fantoccini::Locator::Css("table.callbacks button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(&client, "the request marked handled", row, |v| {
        v["status"] == "callback-handled"
    })
    .await;
    screenshot(&client, "staff-callbacks.png").await;

    // The visitor erases the conversation from the widget.
    client.goto(&format!("{}/", clinic.base)).await.unwrap();
    wait_for(&client, "the widget's launcher", &launcher, |v| {
        v == &json!(true)
    })
    .await;
    if panel_hidden(&client).await != json!(false) {
        shadow_find(&client, ".cc-launcher")
            .await
            .click()
            .await
            .unwrap();
    }
    shadow_find(&client, ".cc-erase")
        .await
        .click()
        .await
        .unwrap();
    shadow_find(&client, ".cc-erase-yes")
        .await
        .click()
        .await
        .unwrap();
    let erased = format!(
        "{ROOT} var n = r.querySelectorAll('.cc-note'); \
        return n.length === 1 && !r.querySelector('.cc-msg') ? n[0].textContent : null;"
    );
    let said = wait_for(
        &client,
        "the widget saying the conversation is erased",
        &erased,
        |v| v.is_string(),
    )
    .await;
    assert!(said.as_str().unwrap().contains("erased"), "{said}");
    let database = clinic.data.join("clinic-chat.db");
    let left = tokio::task::spawn_blocking(move || {
        let db = rusqlite::Connection::open(database).unwrap();
        let count = |table: &str| -> i64 {
            db.query_row(
                &format!("SELECT COUNT(*) FROM {table} WHERE conversation_id = ?1"),
                [&conversation],
                |r| r.get(0),
            )
            .unwrap()
        };
        (count("turns"), count("callbacks"))
    })
    .await
    .unwrap();
    assert_eq!(
        left,
        (0, 0),
        "nothing of the conversation is left in the database"
    );
}

/// The clinic's strings file: what the tag does not say itself.
const STRINGS: &str = r#"{
  "title": "Bloom Skin Clinic",
  "subtitle": "from the file, but the tag says otherwise",
  "placeholder": "Ask Bloom a question…",
  "book": "Book with Bloom",
  "erase": "Forget this chat",
  "privacy": "Bloom answers from {clinic}'s own articles and keeps questions for {days} days.",
  "callback_send": "Call me back, please",
  "send": ["not a string: ignored"]
}"#;
/// A greeting with markup in it: shown as the text it is.
const GREETING: &str = "Welcome to <b>Bloom</b>! Ask us about your treatment.";
const LOGO: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64"><circle cx="32" cy="32" r="30" fill="#d94f8a"/><path d="M20 40c4-12 20-12 24 0" stroke="#fff" stroke-width="5" fill="none" stroke-linecap="round"/><circle cx="32" cy="24" r="6" fill="#fff"/></svg>"##;

/// The clinic's own site, on another origin: a page that embeds the widget configured with data
/// attributes and a strings file, its logo, and a page forcing the dark theme.
async fn clinic_site(service: &str) -> String {
    use axum::http::header::CONTENT_TYPE;
    use axum::response::Html;
    let page = |tag: String| {
        Html(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Bloom Skin Clinic</title></head>\
             <body style=\"font-family:sans-serif;margin:40px 40px 40px 460px\"><h1>Bloom Skin Clinic</h1>\
             <p>Skin and hair treatments in Leeds.</p>{tag}</body></html>"
        ))
    };
    let greeting = GREETING.replace('<', "&lt;").replace('>', "&gt;");
    let custom = page(format!(
        "<script src=\"{service}/static/widget.js\" data-position=\"left\" data-logo=\"/logo.svg\" \
         data-strings=\"/chat-strings.json\" data-subtitle=\"Skin experts in Leeds\" \
         data-greeting=\"{greeting}\" data-accent=\"#b83280\" defer></script>"
    ));
    let dark = page(format!(
        "<script src=\"{service}/static/widget.js\" data-theme=\"dark\" data-logo=\"javascript:alert(1)\" \
         data-strings=\"/missing.json\" defer></script>"
    ));
    let app = axum::Router::new()
        .route("/", axum::routing::get(move || async move { custom }))
        .route("/dark", axum::routing::get(move || async move { dark }))
        .route(
            "/chat-strings.json",
            axum::routing::get(|| async { ([(CONTENT_TYPE, "application/json")], STRINGS) }),
        )
        .route(
            "/logo.svg",
            axum::routing::get(|| async { ([(CONTENT_TYPE, "image/svg+xml")], LOGO) }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let site = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    site
}

/// What the widget looks like: its texts, where it sits, its logo and its colours.
const LOOKS: &str = "var q = function (s) { return r.querySelector(s); }; \
    var logo = q('.cc-logo'), panel = q('.cc-panel'), bot = q('.cc-msg.cc-bot .cc-bubble'); \
    return {title: q('.cc-title-text').textContent, subtitle: q('.cc-sub').textContent, \
            placeholder: q('.cc-input').placeholder, erase: q('.cc-erase').textContent, \
            send: q('.cc-send').getAttribute('aria-label'), \
            launcher: q('.cc-launcher').getAttribute('aria-label'), \
            launcher_centre: (function (b) { return Math.round(b.left + b.width / 2); })(q('.cc-launcher').getBoundingClientRect()), \
            panel_left: panel.getBoundingClientRect().left, \
            logo: logo && logo.complete && logo.naturalWidth > 0 ? logo.getAttribute('src') : null, \
            images: r.querySelectorAll('img').length, \
            panel_bg: getComputedStyle(panel).backgroundColor, \
            bubble_bg: bot && getComputedStyle(bot).backgroundColor, \
            bubble_ink: bot && getComputedStyle(bot).color};";

/// A clinic that made the widget its own: greeting, labels and privacy line from its tag and
/// strings file (escaped), its logo, the left side; a booking button after an answer about a
/// treatment and not after small talk or urgent advice; phone numbers as `tel:` links; the dark
/// theme following the system setting (emulated through Chromium's DevTools) or forced.
async fn the_clinics_own_voice(client: Client, service: String) {
    let site = clinic_site(&service).await;
    let tab = client.new_window(true).await.unwrap();
    client.switch_to_window(tab.handle).await.unwrap();
    set_viewport(&client, DESKTOP).await;
    client.goto(&format!("{site}/")).await.unwrap();
    let launcher = format!("{ROOT} return !!r.querySelector('.cc-launcher');");
    wait_for(&client, "the widget on the clinic's site", &launcher, |v| {
        v == &json!(true)
    })
    .await;
    shadow_find(&client, ".cc-launcher")
        .await
        .click()
        .await
        .unwrap();
    let greeting = format!(
        "{ROOT} var m = r.querySelector('.cc-msg.cc-bot .cc-answer'); \
         return m && {{text: m.textContent, markup: r.querySelectorAll('.cc-log b').length}};"
    );
    let greeted = wait_for(&client, "the clinic's greeting", &greeting, |v| {
        !v.is_null()
    })
    .await;
    assert_eq!(
        greeted,
        json!({"text": GREETING, "markup": 0}),
        "the greeting is the clinic's, shown as text"
    );
    let looks = format!("{ROOT} {LOOKS}");
    let seen = wait_for(&client, "the clinic's logo", &looks, |v| {
        v["logo"].is_string()
    })
    .await;
    assert_eq!(seen["title"], "Bloom Skin Clinic", "from the strings file");
    assert_eq!(seen["subtitle"], "Skin experts in Leeds", "the tag wins");
    assert_eq!(seen["placeholder"], "Ask Bloom a question…");
    assert_eq!(seen["erase"], "Forget this chat");
    assert_eq!(
        seen["send"], "Send message",
        "a value that is not text is ignored"
    );
    assert_eq!(seen["launcher"], "Open chat: Bloom Skin Clinic");
    assert_eq!(
        seen["logo"],
        json!(format!("{site}/logo.svg")),
        "the logo, relative to the clinic's page"
    );
    // Its centre: a hovered launcher grows a little.
    assert_eq!(
        seen["launcher_centre"],
        json!(20 + 30),
        "the launcher sits on the left"
    );
    assert_eq!(seen["panel_left"], json!(20), "so does the panel");
    assert_eq!(seen["panel_bg"], "rgb(255, 255, 255)", "light by default");
    let line = format!("{ROOT} return r.querySelector('.cc-note').textContent;");
    let line = wait_for(&client, "the clinic's privacy line", &line, |v| {
        v.as_str().is_some_and(|t| t.contains("90 days"))
    })
    .await;
    assert!(
        line.as_str().unwrap().starts_with(
            "Bloom answers from Bloom Skin Clinic's own articles and keeps questions for 90 days."
        ),
        "{line}"
    );

    // An answer about a treatment: the booking button, in the clinic's words.
    let input = shadow_find(&client, ".cc-input").await;
    let reply = ask(
        &client,
        &input,
        "How many sessions do I need for hair loss?",
    )
    .await;
    assert!(reply.contains("6-8"), "{reply}");
    let book = format!(
        "{ROOT} var m = r.querySelectorAll('.cc-msg.cc-bot'); var b = m[m.length - 1].querySelector('a.cc-book'); \
         return b && {{text: b.textContent, href: b.getAttribute('href'), target: b.target}};"
    );
    let button = client.execute(&book, vec![]).await.unwrap();
    assert_eq!(
        button,
        json!({"text": "Book with Bloom", "href": BOOKING, "target": "_blank"}),
        "a booking button after the answer"
    );
    assert_no_horizontal_overflow(&client).await;
    assert_panel_within_viewport(&client).await;
    screenshot(&client, "widget-custom-left-booking.png").await;

    // Small talk and urgent advice: no booking button. The urgent reply's calls are tel: links.
    ask(&client, &input, "thank you").await;
    assert_eq!(client.execute(&book, vec![]).await.unwrap(), Value::Null);
    ask(
        &client,
        &input,
        "had mesotherapy an hour ago and now my tongue is swelling",
    )
    .await;
    assert_eq!(client.execute(&book, vec![]).await.unwrap(), Value::Null);
    let calls = format!(
        "{ROOT} var m = r.querySelectorAll('.cc-msg.cc-bot'); \
         return Array.from(m[m.length - 1].querySelectorAll('a')).map(function (a) {{ return a.getAttribute('href'); }});"
    );
    let calls: Vec<String> =
        serde_json::from_value(client.execute(&calls, vec![]).await.unwrap()).unwrap();
    assert!(
        calls.contains(&"tel:999".to_string()) && calls.contains(&"tel:+442079460000".to_string()),
        "the urgent reply's calls are tel: links: {calls:?}"
    );

    // A fallback: the phone in its text is a tel: link too, and its booking link stays.
    ask(&client, &input, "how much does it cost?").await;
    let in_text = format!(
        "{ROOT} var m = r.querySelectorAll('.cc-msg.cc-bot'); m = m[m.length - 1]; \
         return {{text: Array.from(m.querySelectorAll('.cc-answer a')).map(function (a) {{ return [a.textContent, a.getAttribute('href')]; }}), \
                 contact: Array.from(m.querySelectorAll('.cc-contact a')).map(function (a) {{ return a.getAttribute('href'); }})}};"
    );
    let links = client.execute(&in_text, vec![]).await.unwrap();
    assert_eq!(
        links["text"],
        json!([["+44 20 7946 0000", "tel:+442079460000"]]),
        "the phone in the fallback's text is a tel: link"
    );
    assert!(
        links["contact"]
            .as_array()
            .is_some_and(|c| c.contains(&json!(BOOKING)) && c.contains(&json!("tel:+442079460000"))),
        "the fallback keeps its contact links: {links}"
    );

    // A request for a person: the call-back form speaks the clinic's words too.
    ask(&client, &input, "can I speak to a real person?").await;
    let send = format!("{ROOT} var b = r.querySelector('.cc-cb-send'); return b && b.textContent;");
    assert_eq!(
        client.execute(&send, vec![]).await.unwrap(),
        "Call me back, please"
    );

    // The visitor's system turns dark: the widget follows.
    dark_mode(&client, true).await;
    let dark = wait_for(&client, "the widget's dark theme", &looks, |v| {
        v["panel_bg"] == "rgb(28, 31, 38)"
    })
    .await;
    assert_eq!(dark["bubble_bg"], "rgb(43, 48, 58)", "{dark}");
    assert_eq!(
        dark["bubble_ink"], "rgb(230, 232, 238)",
        "light text: {dark}"
    );
    let still = format!(
        "{ROOT} return r.querySelector('.cc-panel').getAnimations().every(function (a) {{ return a.playState === 'finished'; }});"
    );
    wait_for(&client, "the panel to settle", &still, |v| {
        v == &json!(true)
    })
    .await;
    screenshot(&client, "widget-dark.png").await;
    ask(&client, &input, "the redness is spreading and hot").await;
    wait_for(&client, "the panel to settle", &still, |v| {
        v == &json!(true)
    })
    .await;
    screenshot(&client, "widget-dark-urgent.png").await;
    dark_mode(&client, false).await;
    wait_for(&client, "the light theme back", &looks, |v| {
        v["panel_bg"] == "rgb(255, 255, 255)"
    })
    .await;

    // A page that forces the dark theme, with a logo URL that is not one (no image at all) and
    // a strings file that is missing (the defaults).
    client.goto(&format!("{site}/dark")).await.unwrap();
    let forced = wait_for(&client, "the forced dark theme", &looks, |v| {
        v["panel_bg"] == "rgb(28, 31, 38)"
    })
    .await;
    wait_for(&client, "the panel to settle", &still, |v| {
        v == &json!(true)
    })
    .await;
    screenshot(&client, "widget-dark-forced.png").await;
    assert_eq!(forced["images"], json!(0), "a javascript: logo is refused");
    assert_eq!(forced["title"], "Ask the clinic", "the English default");
    assert_eq!(
        forced["launcher_centre"],
        json!(DESKTOP.0 - 20 - 30),
        "on the right by default"
    );
}

/// Emulates the visitor's system colour scheme through Chromium's DevTools (chromedriver's
/// `goog/cdp/execute`); `false` puts it back.
async fn dark_mode(client: &Client, dark: bool) {
    let features = match dark {
        true => json!([{"name": "prefers-color-scheme", "value": "dark"}]),
        false => json!([]),
    };
    client
        .issue_cmd(Cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": features }),
        ))
        .await
        .expect("chromedriver passes DevTools commands on");
}

/// A Chrome DevTools command, sent through chromedriver.
#[derive(Debug)]
struct Cdp(&'static str, Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &reqwest::Url,
        session: Option<&str>,
    ) -> Result<reqwest::Url, <reqwest::Url as std::str::FromStr>::Err> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &reqwest::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({ "cmd": self.0, "params": self.1 });
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// Clicks a source link (it opens a new tab), checks the article opens scrolled to the passage
/// and that the passage is the page's highlighted `:target`, then closes that tab.
async fn follow_source(client: &Client, link: &Element, href: &str, base: &str) {
    assert!(
        href.starts_with(base),
        "a source link on this service: {href}"
    );
    let first = client.window().await.unwrap();
    let before = client.windows().await.unwrap();
    link.click().await.unwrap();
    let start = Instant::now();
    let opened = loop {
        let now = client.windows().await.unwrap();
        if let Some(w) = now.into_iter().find(|w| !before.contains(w)) {
            break Some(w);
        }
        if client.current_url().await.unwrap().as_str() == href || start.elapsed() > WAIT {
            break None;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let in_new_tab = opened.is_some();
    if let Some(tab) = opened {
        client.switch_to_window(tab).await.unwrap();
    }
    let landed = wait_for(
        client,
        "the article scrolled to the linked section",
        LANDED,
        |v| !v.is_null(),
    )
    .await;
    assert_eq!(landed["url"], json!(href), "the link was followed");
    assert_eq!(
        landed["path"],
        json!("/articles/mesotherapy-for-flawless-skin")
    );
    let hash = landed["hash"].as_str().unwrap();
    assert!(
        hash.contains("cellulite"),
        "the hash names the answer's section: {hash}"
    );
    assert_eq!(
        landed["target"],
        json!(hash),
        "the element with the hash's id is the :target"
    );
    assert_ne!(
        landed["mark"],
        json!("rgba(0, 0, 0, 0)"),
        "the targeted section is highlighted"
    );
    let text = dashes(landed["text"].as_str().unwrap());
    assert!(
        text.contains("4-6"),
        "the section holds the quoted passage: {text}"
    );
    screenshot(client, "article-target.png").await;
    if in_new_tab {
        client.close_window().await.unwrap();
        client.switch_to_window(first).await.unwrap();
    }
}

// --- the widget, through its shadow root

/// The class of the focused element inside the widget, or a description of the page's focus.
async fn focused(client: &Client) -> String {
    let v = client
        .execute(
            "var a = document.activeElement; var host = document.querySelector('#clinic-chat-host'); \
             if (a && a === host) { var s = host.shadowRoot.activeElement; return s ? s.className : 'host'; } \
             return a ? 'page: ' + a.tagName + ' ' + (a.textContent || '').trim().slice(0, 40) : 'nothing';",
            vec![],
        )
        .await
        .unwrap();
    v.as_str().unwrap_or_default().to_string()
}

async fn panel_hidden(client: &Client) -> Value {
    client
        .execute(
            &format!("{ROOT} return r.querySelector('.cc-panel').hidden;"),
            vec![],
        )
        .await
        .unwrap()
}

async fn attr(client: &Client, selector: &str, name: &str) -> Value {
    client
        .execute(
            &format!("{ROOT} return r.querySelector(arguments[0]).getAttribute(arguments[1]);"),
            vec![json!(selector), json!(name)],
        )
        .await
        .unwrap()
}

/// The element that `expression` (a script expression over the shadow root `r`) names.
async fn shadow_element(client: &Client, expression: &str) -> Element {
    let v = client
        .execute(&format!("{ROOT} return {expression};"), vec![])
        .await
        .unwrap();
    let id = v
        .as_object()
        .and_then(|o| o.values().next())
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no element for {expression}: {v}"));
    Element::from_element_id(client.clone(), ElementRef::from(id.to_string()))
}

async fn shadow_find(client: &Client, selector: &str) -> Element {
    shadow_element(client, &format!("r.querySelector({})", json!(selector))).await
}

/// Types the question into the field with real key presses, sends it with Enter and waits for
/// the reply; returns the reply's text.
async fn ask(client: &Client, input: &Element, question: &str) -> String {
    let users = format!("{ROOT} return r.querySelectorAll('.cc-msg.cc-user').length;");
    let asked = client.execute(&users, vec![]).await.unwrap();
    input.send_keys(question).await.unwrap();
    assert_eq!(
        input.prop("value").await.unwrap().as_deref(),
        Some(question)
    );
    press(client, Key::Enter).await;
    // The reply: the log's last message, from the assistant, after this question.
    let script = format!(
        "{ROOT} var users = r.querySelectorAll('.cc-msg.cc-user'), all = r.querySelectorAll('.cc-msg'); \
         var last = all[all.length - 1]; \
         if (users.length !== arguments[0] + 1 || r.querySelector('.cc-typing') || !last.matches('.cc-bot')) return null; \
         return {{question: users[users.length - 1].textContent, reply: last.querySelector('.cc-bubble').textContent}};"
    );
    let start = Instant::now();
    let seen = loop {
        let v = client.execute(&script, vec![asked.clone()]).await.unwrap();
        if !v.is_null() {
            break v;
        }
        if start.elapsed() > WAIT {
            let log = format!("{ROOT} return r.querySelector('.cc-log').textContent;");
            let log = client.execute(&log, vec![]).await.unwrap();
            panic!("no reply to {question:?} within {WAIT:?}; the log says: {log}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let shown = seen["question"].as_str().unwrap_or_default();
    assert!(
        shown.contains(question),
        "the question is shown in the log: {shown}"
    );
    let emptied = input.prop("value").await.unwrap();
    assert_eq!(
        emptied.as_deref(),
        Some(""),
        "the field is emptied once sent"
    );
    dashes(seen["reply"].as_str().unwrap_or_default())
}

async fn assert_no_horizontal_overflow(client: &Client) {
    let v = client
        .execute(
            &format!(
                "{ROOT} var l = r.querySelector('.cc-log'); var p = r.querySelector('.cc-panel'); \
                      return [l.scrollWidth - l.clientWidth, p.scrollWidth - p.clientWidth, \
                              document.documentElement.scrollWidth - document.documentElement.clientWidth];"
            ),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        v,
        json!([0, 0, 0]),
        "nothing overflows sideways (log, panel, page)"
    );
}

async fn assert_panel_within_viewport(client: &Client) {
    let v = client
        .execute(
            &format!("{ROOT} var b = r.querySelector('.cc-panel').getBoundingClientRect(); \
                      return b.left >= 0 && b.top >= 0 && b.right <= innerWidth && b.bottom <= innerHeight;"),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(v, json!(true), "the panel fits in the window");
}

// --- the browser

/// A key pressed and released, sent to whatever has focus.
async fn press(client: &Client, key: Key) {
    let value = key.chars().next().unwrap();
    let keys = KeyActions::new("keyboard".to_string())
        .then(KeyAction::Down { value })
        .then(KeyAction::Up { value });
    client.perform_actions(keys).await.unwrap();
}

/// Polls `script` until `done` accepts its result; panics with the last result after `WAIT`.
async fn wait_for(
    client: &Client,
    what: &str,
    script: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let start = Instant::now();
    loop {
        let v = client.execute(script, vec![]).await.unwrap();
        if done(&v) {
            return v;
        }
        if start.elapsed() > WAIT {
            panic!("waited {WAIT:?} for {what}; last saw {v}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Resizes the window so that the page's viewport is `width` x `height`.
async fn set_viewport(client: &Client, (width, height): (u32, u32)) {
    let inner = || async {
        let v = client
            .execute("return [innerWidth, innerHeight];", vec![])
            .await
            .unwrap();
        let v: (u32, u32) = serde_json::from_value(v).unwrap();
        v
    };
    client.set_window_size(width, height).await.unwrap();
    let (w, h) = inner().await;
    if (w, h) != (width, height) {
        // The window's frame (if any) takes the difference; make the window that much bigger.
        let outer_width = (2 * width).saturating_sub(w).max(1);
        let outer_height = (2 * height).saturating_sub(h).max(1);
        client
            .set_window_size(outer_width, outer_height)
            .await
            .unwrap();
    }
    let got = inner().await;
    assert_eq!(
        got,
        (width, height),
        "the viewport could be set to {width}x{height}"
    );
}

async fn screenshot(client: &Client, name: &str) {
    let png = client.screenshot().await.unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), png).unwrap();
    eprintln!("screenshot: {}", dir.join(name).display());
}

fn dashes(text: &str) -> String {
    text.replace(
        ['\u{2010}', '\u{2011}', '\u{2012}', '\u{2013}', '\u{2014}'],
        "-",
    )
}

/// chromedriver's path, or None after saying loudly why the test is skipped (or failing when
/// `CLINIC_CHAT_REQUIRE_BROWSER` is set).
fn find_browser() -> Option<PathBuf> {
    let driver = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromedriver"))
            .find(|p| p.is_file())
    });
    let missing = match (&driver, Path::new(CHROMIUM).is_file()) {
        (Some(_), true) => return driver,
        (None, true) => "chromedriver is not on the PATH".to_string(),
        (Some(_), false) => format!("{CHROMIUM} is missing"),
        (None, false) => format!("chromedriver is not on the PATH and {CHROMIUM} is missing"),
    };
    if std::env::var_os("CLINIC_CHAT_REQUIRE_BROWSER").is_some() {
        panic!(
            "CLINIC_CHAT_REQUIRE_BROWSER is set but {missing} (apt-get install chromium chromium-driver)"
        );
    }
    // Straight to the process's stderr: the test harness captures `eprintln!`, and this must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "\n!!!!! SKIPPED the widget's browser test: {missing}.\n!!!!! Install Debian's chromium and \
         chromium-driver to run it; set CLINIC_CHAT_REQUIRE_BROWSER=1 to make this a failure.\n"
    );
    None
}

/// chromedriver as a child process in its own process group; dropping it ends the group
/// (chromedriver and any browser it started), also when the test panics.
struct Chromedriver {
    child: Child,
    port: u16,
}

impl Chromedriver {
    fn start(path: &Path) -> Chromedriver {
        let port = StdListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
            .port();
        let mut command = Command::new(path);
        command
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command.spawn().expect("chromedriver starts");
        let driver = Chromedriver { child, port };
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        let start = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                start.elapsed() < WAIT,
                "chromedriver did not listen on port {port} within {WAIT:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        #[cfg(unix)]
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Chromedriver, its profile folder and a session. A cold machine (a fresh CI runner building
/// its font cache) can take long over Chromium's first start, so a start that times out is
/// tried again with a fresh chromedriver and profile before the test fails.
async fn start_browser(chromedriver: &Path) -> (Chromedriver, tempfile::TempDir, Client) {
    let mut failures = Vec::new();
    for _ in 0..BROWSER_ATTEMPTS {
        let driver = Chromedriver::start(chromedriver);
        let profile = tempfile::tempdir().unwrap();
        match connect(driver.port, profile.path()).await {
            Ok(client) => return (driver, profile, client),
            Err(e) => failures.push(e),
        }
    }
    panic!("Chromium did not start: {}", failures.join("; "))
}

async fn connect(port: u16, profile: &Path) -> Result<Client, String> {
    let args = [
        "--headless=new".to_string(),
        "--no-sandbox".to_string(),
        "--disable-gpu".to_string(),
        "--disable-dev-shm-usage".to_string(),
        "--disable-quic".to_string(),
        "--no-first-run".to_string(),
        "--disable-background-networking".to_string(),
        "--disable-component-update".to_string(),
        "--disable-sync".to_string(),
        format!("--window-size={},{}", DESKTOP.0, DESKTOP.1),
        format!("--user-data-dir={}", profile.display()),
    ];
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": CHROMIUM, "args": args},
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    let mut builder = ClientBuilder::new(connector);
    builder.capabilities(capabilities);
    let webdriver = format!("http://127.0.0.1:{port}");
    let connecting = builder.connect(&webdriver);
    match tokio::time::timeout(BROWSER_START, connecting).await {
        Ok(Ok(client)) => Ok(client),
        Ok(Err(e)) => Err(format!("chromedriver could not start Chromium: {e}")),
        Err(_) => Err(format!("Chromium did not start within {BROWSER_START:?}")),
    }
}

// --- the service

/// The service over the shipped article, on 127.0.0.1 and a free port, rate limit off, sending
/// call-back requests to the test's webhook and SMTP receivers.
struct Server {
    base: String,
    data: PathBuf,
    webhook: Receiver,
    inbox: Inbox,
    _dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
}

/// What the call-back scenario needs to see: the service, its database, the clinic's side.
struct Clinic {
    base: String,
    data: PathBuf,
    webhook: Receiver,
    inbox: Inbox,
}

impl Server {
    async fn start() -> Server {
        let dir = tempfile::tempdir().unwrap();
        let corpus = dir.path().join("corpus");
        std::fs::create_dir(&corpus).unwrap();
        let article = Path::new(env!("CARGO_MANIFEST_DIR")).join(ARTICLE);
        std::fs::copy(&article, corpus.join(article.file_name().unwrap())).unwrap();
        let webhook_receiver = Receiver::default();
        let inbox = Inbox::default();
        let mut config = Config::for_paths(corpus, dir.path().join("index"));
        config.rate_per_minute = 0;
        config.data = dir.path().join("data");
        config.clinic_name = "Bloom Skin Clinic".into();
        config.booking_url = BOOKING.into();
        config.callback_webhook = Some(webhook(webhook_receiver.clone()).await);
        config.smtp_url = Some(format!("smtp://127.0.0.1:{}", smtp_server(inbox.clone())));
        config.callback_retry_ms = 50;
        let (answerer, _) = tokio::task::spawn_blocking({
            let config = config.clone();
            move || clinic_chat::load(&config).unwrap()
        })
        .await
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let data = config.data.clone();
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(http::run(
            listener,
            AppState::new(answerer, config),
            async {
                let _ = stopped.await;
            },
        ));
        Server {
            base,
            data,
            webhook: webhook_receiver,
            inbox,
            _dir: dir,
            stop: Some(stop),
        }
    }

    fn clinic(&self) -> Clinic {
        Clinic {
            base: self.base.clone(),
            data: self.data.clone(),
            webhook: self.webhook.clone(),
            inbox: self.inbox.clone(),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
