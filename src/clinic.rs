//! The clinic's own facts, from `clinic.toml` in the corpus folder: how to reach it, where it
//! is, when it is open, where to park, what it treats. Answering quotes them as "Clinic
//! details" for messages about hours, location, parking, booking and whether the clinic offers
//! a treatment; configuration takes its contact details from them unless a setting overrides.
//! Read once at start, checked whole: a mistyped day or time zone stops the service with the
//! line to fix, rather than telling visitors the wrong hours.

use std::collections::BTreeMap;
use std::path::Path;

use jiff::Timestamp;
use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use serde::Deserialize;

/// The file's name in the corpus folder.
pub const FILE: &str = "clinic.toml";

/// The days of the week as `clinic.toml` names them, Monday first.
const DAYS: [(&str, &str, Weekday); 7] = [
    ("mon", "Monday", Weekday::Monday),
    ("tue", "Tuesday", Weekday::Tuesday),
    ("wed", "Wednesday", Weekday::Wednesday),
    ("thu", "Thursday", Weekday::Thursday),
    ("fri", "Friday", Weekday::Friday),
    ("sat", "Saturday", Weekday::Saturday),
    ("sun", "Sunday", Weekday::Sunday),
];

/// `clinic.toml` as written; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct File {
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    booking_url: Option<String>,
    address: Option<String>,
    timezone: Option<String>,
    parking: Option<String>,
    /// How to get there by public transport.
    travel: Option<String>,
    /// How a first consultation works.
    consultation: Option<String>,
    /// Step-free access, lifts.
    accessibility: Option<String>,
    treatments: Vec<String>,
    hours: BTreeMap<String, String>,
}

/// The clinic's facts, checked.
#[derive(Debug, Clone, Default)]
pub struct Clinic {
    pub name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub booking_url: Option<String>,
    pub address: Option<String>,
    pub parking: Option<String>,
    pub travel: Option<String>,
    pub consultation: Option<String>,
    pub accessibility: Option<String>,
    pub treatments: Vec<String>,
    /// By day, Monday first: the opening and closing time, or `None` when closed or not given.
    pub hours: [Hours; 7],
    pub timezone: Option<TimeZone>,
}

/// One day's opening hours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Hours {
    /// The file does not say.
    #[default]
    Unknown,
    Closed,
    Open(Time, Time),
}

impl Clinic {
    /// Reads `clinic.toml` from the corpus folder: `None` when there is none.
    pub fn load(corpus: &Path) -> anyhow::Result<Option<Clinic>> {
        let path = corpus.join(FILE);
        if !path.is_file() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        Clinic::parse(&text)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    pub fn parse(text: &str) -> anyhow::Result<Clinic> {
        let file: File = toml::from_str(text)?;
        let mut hours = [Hours::Unknown; 7];
        for (day, value) in &file.hours {
            let Some(at) = DAYS.iter().position(|(key, ..)| key == day) else {
                anyhow::bail!(
                    "[hours] has \"{day}\": name days mon, tue, wed, thu, fri, sat and sun"
                );
            };
            hours[at] = parse_hours(value).ok_or_else(|| {
                anyhow::anyhow!(
                    "[hours] {day} = \"{value}\": write \"HH:MM-HH:MM\" (such as \"09:00-18:00\") or \"closed\""
                )
            })?;
        }
        let timezone = match &file.timezone {
            Some(name) => Some(TimeZone::get(name).map_err(|_| {
                anyhow::anyhow!(
                    "timezone = \"{name}\" is not a time zone: use an IANA name such as \"Europe/London\""
                )
            })?),
            None => None,
        };
        let text = |value: Option<String>| {
            value
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        Ok(Clinic {
            name: text(file.name),
            phone: text(file.phone),
            email: text(file.email),
            booking_url: text(file.booking_url),
            address: text(file.address),
            parking: text(file.parking),
            travel: text(file.travel),
            consultation: text(file.consultation),
            accessibility: text(file.accessibility),
            treatments: file
                .treatments
                .into_iter()
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty())
                .collect(),
            hours,
            timezone,
        })
    }

    /// Whether the file gives any opening hours.
    pub fn has_hours(&self) -> bool {
        self.hours.iter().any(|h| *h != Hours::Unknown)
    }

    /// The week's hours, one line per day the file gives: "Monday: 09:00-18:00".
    pub fn week(&self) -> Vec<String> {
        DAYS.iter()
            .zip(&self.hours)
            .filter_map(|((_, day, _), hours)| Some(format!("{day}: {}", describe(*hours)?)))
            .collect()
    }

    /// Today's day name and hours in the clinic's time zone (UTC without one), at `now`.
    pub fn today(&self, now: Timestamp) -> (&'static str, Hours) {
        let zone = self.timezone.clone().unwrap_or(TimeZone::UTC);
        let weekday = now.to_zoned(zone).weekday();
        let at = weekday.to_monday_zero_offset() as usize;
        (DAYS[at].1, self.hours[at])
    }

    /// Whether the clinic is open at `now`; `None` when today's hours are not given.
    pub fn open_at(&self, now: Timestamp) -> Option<bool> {
        let zone = self.timezone.clone().unwrap_or(TimeZone::UTC);
        let time = now.to_zoned(zone).time();
        match self.today(now).1 {
            Hours::Unknown => None,
            Hours::Closed => Some(false),
            Hours::Open(from, to) => Some(from <= time && time < to),
        }
    }
}

/// "09:00-18:00", or "closed" (any case).
fn parse_hours(value: &str) -> Option<Hours> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("closed") {
        return Some(Hours::Closed);
    }
    let (from, to) = value.split_once(['-', '–'])?;
    let time = |t: &str| {
        let (h, m) = t.trim().split_once(':')?;
        Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
    };
    let (from, to) = (time(from)?, time(to)?);
    (from < to).then_some(Hours::Open(from, to))
}

/// A day's hours as said in a reply; `None` when not given.
pub fn describe(hours: Hours) -> Option<String> {
    match hours {
        Hours::Unknown => None,
        Hours::Closed => Some("closed".to_string()),
        Hours::Open(from, to) => Some(format!(
            "{}-{}",
            from.strftime("%H:%M"),
            to.strftime("%H:%M")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
name = "Bloom Skin Clinic"
phone = "+44 20 7123 4567"
timezone = "Europe/London"
parking = "Pay-and-display on Market Street."
treatments = ["mesotherapy", "skin boosters"]

[hours]
mon = "09:00-18:00"
sat = "10:00-14:00"
sun = "closed"
"#;

    #[test]
    fn the_week_lists_the_days_the_file_gives_in_order() {
        let clinic = Clinic::parse(EXAMPLE).unwrap();
        assert_eq!(
            clinic.week(),
            [
                "Monday: 09:00-18:00",
                "Saturday: 10:00-14:00",
                "Sunday: closed"
            ]
        );
    }

    #[test]
    fn today_is_the_clinics_day_not_the_servers() {
        let clinic = Clinic::parse(EXAMPLE).unwrap();
        // Sunday 23:30 in London is already Monday in Tokyo, and still Sunday in UTC.
        let sunday_night: Timestamp = "2026-06-07T22:30:00Z".parse().unwrap();
        assert_eq!(clinic.today(sunday_night).0, "Sunday");
        let monday_morning: Timestamp = "2026-06-08T08:30:00Z".parse().unwrap();
        // 09:30 in London (summer time): open.
        assert_eq!(clinic.open_at(monday_morning), Some(true));
        let monday_early: Timestamp = "2026-06-08T07:30:00Z".parse().unwrap();
        assert_eq!(clinic.open_at(monday_early), Some(false));
    }

    #[test]
    fn a_mistyped_day_time_or_zone_is_refused_with_what_to_write() {
        let day = Clinic::parse("[hours]\nmonday = \"09:00-18:00\"").unwrap_err();
        assert!(day.to_string().contains("mon, tue"), "{day}");
        let time = Clinic::parse("[hours]\nmon = \"9am-6pm\"").unwrap_err();
        assert!(time.to_string().contains("HH:MM-HH:MM"), "{time}");
        let zone = Clinic::parse("timezone = \"London\"").unwrap_err();
        assert!(zone.to_string().contains("Europe/London"), "{zone}");
        let key = Clinic::parse("phone_number = \"1\"").unwrap_err();
        assert!(key.to_string().contains("phone_number"), "{key}");
    }
}
