//! A deterministic generator of clinic-like articles about made-up treatments, in the three
//! formats the corpus folder holds (`.txt` as copied from a page, `.md` with front matter,
//! `.html` saved with its site chrome). The same seed gives byte-identical files on every
//! machine: a small splitmix64 generator, no clocks, no hash maps.
//!
//! Shared by the benchmarks (`#[path]` module) and `examples/generate_corpus.rs`; each uses a
//! different part of it, hence the `allow`.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// splitmix64: tiny, fast, and good enough to vary text.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// An independent stream for one purpose of one article.
    pub fn stream(seed: u64, article: u64, purpose: u64) -> Rng {
        let mut mix = Rng(seed ^ 0x9e37_79b9_7f4a_7c15);
        let a = mix.next_u64() ^ article.wrapping_mul(0xd1b5_4a32_d192_ed03);
        let mut mix = Rng(a);
        let b = mix.next_u64() ^ purpose.wrapping_mul(0x8cb9_2ba7_2f3d_8dd7);
        Rng(b)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0); the modulo bias is irrelevant for text.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + self.below((hi - lo + 1) as usize) as u32
    }

    pub fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }

    /// `count` distinct items, in a random order.
    pub fn sample<T: Clone>(&mut self, items: &[T], count: usize) -> Vec<T> {
        let mut all: Vec<T> = items.to_vec();
        self.shuffle(&mut all);
        all.truncate(count.min(items.len()));
        all
    }
}

/// The corpus formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Html,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Text => "txt",
            Format::Markdown => "md",
            Format::Html => "html",
        }
    }
}

/// One generated file.
#[derive(Debug, Clone)]
pub struct File {
    pub name: String,
    pub format: Format,
    pub title: String,
    pub contents: String,
}

/// What [`write_corpus`] wrote.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub files: usize,
    pub bytes: u64,
    pub txt: usize,
    pub md: usize,
    pub html: usize,
}

/// Writes `articles` generated articles into `dir` (created if missing).
pub fn write_corpus(dir: &Path, articles: usize, seed: u64) -> io::Result<Summary> {
    std::fs::create_dir_all(dir)?;
    let mut summary = Summary::default();
    for i in 0..articles {
        let file = article(seed, i, articles);
        std::fs::write(dir.join(&file.name), &file.contents)?;
        summary.files += 1;
        summary.bytes += file.contents.len() as u64;
        match file.format {
            Format::Text => summary.txt += 1,
            Format::Markdown => summary.md += 1,
            Format::Html => summary.html += 1,
        }
    }
    Ok(summary)
}

// ---------------------------------------------------------------------------------------------
// Vocabulary: made-up brands, real-sounding treatment kinds, concerns and body areas.

const BRAND_HEADS: [&str; 24] = [
    "Lumi", "Vela", "Derma", "Aura", "Nova", "Silk", "Pura", "Crysta", "Radi", "Seren", "Vita",
    "Colla", "Hydra", "Clari", "Eleva", "Bella", "Opti", "Reviva", "Sana", "Terra", "Zen", "Glo",
    "Ocea", "Calma",
];
const BRAND_TAILS: [&str; 16] = [
    "derm", "skin", "lift", "glow", "tone", "sculpt", "renew", "vive", "lux", "fuse", "cell",
    "pure", "line", "smooth", "tide", "bloom",
];

/// A treatment kind: its name, how it works, and how it feels.
struct Kind {
    name: &'static str,
    tool: &'static str,
    works: [&'static str; 3],
    feel: &'static str,
    numbing: bool,
}

const KINDS: [Kind; 14] = [
    Kind {
        name: "laser resurfacing",
        tool: "a fractional laser",
        works: [
            "creates thousands of microscopic columns of heat in the upper layers of the skin",
            "removes a fraction of the damaged surface while leaving the surrounding skin intact",
            "triggers the skin's natural healing response and a surge of new collagen",
        ],
        feel: "a series of warm pinpricks, a little like an elastic band flicked against the skin",
        numbing: true,
    },
    Kind {
        name: "radiofrequency skin tightening",
        tool: "a radiofrequency handpiece",
        works: [
            "delivers controlled heat to the deeper dermis without breaking the surface",
            "makes existing collagen fibres contract and tighten",
            "stimulates fresh collagen over the following months",
        ],
        feel: "a deep, comfortable warmth similar to a hot stone massage",
        numbing: false,
    },
    Kind {
        name: "skin booster injections",
        tool: "a very fine needle",
        works: [
            "places tiny droplets of hyaluronic acid evenly across the treatment area",
            "draws water into the skin and hydrates it from within",
            "improves elasticity and gives the complexion a soft, dewy finish",
        ],
        feel: "a quick scratch with each injection point",
        numbing: true,
    },
    Kind {
        name: "chemical peel",
        tool: "a carefully measured acid solution",
        works: [
            "loosens the bonds that hold dull, dead cells to the surface",
            "encourages the outer layer to shed and reveal fresher skin beneath",
            "speeds up cell turnover so the skin renews more evenly",
        ],
        feel: "a tingling or stinging warmth that fades once the solution is neutralised",
        numbing: false,
    },
    Kind {
        name: "microneedling",
        tool: "a sterile pen fitted with very fine needles",
        works: [
            "creates thousands of tiny, controlled channels in the skin",
            "prompts the skin to lay down fresh collagen and elastin",
            "allows serums to reach deeper layers than they could on their own",
        ],
        feel: "a light scratching or vibrating sensation",
        numbing: true,
    },
    Kind {
        name: "fat freezing",
        tool: "a cooling applicator",
        works: [
            "cools fat cells to a temperature at which they break down",
            "leaves the skin and muscle around them unharmed",
            "lets the body clear the treated fat cells naturally over the following weeks",
        ],
        feel: "intense cold and a pulling sensation for the first few minutes, then numbness",
        numbing: false,
    },
    Kind {
        name: "LED light therapy",
        tool: "panels of red and near-infrared light",
        works: [
            "deliver specific wavelengths of light deep into the skin",
            "energises the cells that make collagen",
            "calms inflammation and redness",
        ],
        feel: "nothing more than gentle warmth; many clients fall asleep",
        numbing: false,
    },
    Kind {
        name: "PRP therapy",
        tool: "a small sample of your own blood",
        works: [
            "is spun in a centrifuge to concentrate its platelets and growth factors",
            "returns that concentrate to the skin or scalp with fine injections",
            "signals the tissue to repair and regenerate",
        ],
        feel: "a brief sting at each injection point and a feeling of pressure",
        numbing: true,
    },
    Kind {
        name: "HIFU lifting",
        tool: "focused ultrasound",
        works: [
            "heats precise points in the deep supporting layer of the skin",
            "tightens the same layer a surgeon lifts in a facelift, without incisions",
            "builds new collagen gradually for up to six months",
        ],
        feel: "short bursts of deep heat and a prickling sensation along the jawline",
        numbing: true,
    },
    Kind {
        name: "mesotherapy",
        tool: "a series of tiny injections",
        works: [
            "deliver a cocktail of vitamins, minerals and amino acids into the middle layer of the skin",
            "nourishes the cells and improves local circulation",
            "supports collagen and elastin production",
        ],
        feel: "mild discomfort or a slight burning sensation that subsides within minutes",
        numbing: true,
    },
    Kind {
        name: "polynucleotide injections",
        tool: "purified DNA fragments in a fine gel",
        works: [
            "supports the repair of damaged skin cells",
            "improves thickness and elasticity in thin, crepey skin",
            "reduces redness and evens out the tone",
        ],
        feel: "a sharp scratch, and the gel can sting for a moment as it goes in",
        numbing: true,
    },
    Kind {
        name: "carboxytherapy",
        tool: "small amounts of medical-grade carbon dioxide",
        works: [
            "is introduced just under the skin through a tiny needle",
            "makes the body send more oxygen-rich blood to the area",
            "improves circulation and skin quality",
        ],
        feel: "a fizzing, stretching sensation that passes within a minute or two",
        numbing: false,
    },
    Kind {
        name: "IPL photofacial",
        tool: "intense pulsed light",
        works: [
            "is absorbed by pigment and small blood vessels in the skin",
            "breaks up sun spots and visible veins",
            "lets the body clear the fragments over the following weeks",
        ],
        feel: "a quick snap of heat with each flash",
        numbing: false,
    },
    Kind {
        name: "thread lift",
        tool: "dissolvable PDO threads",
        works: [
            "are placed under the skin with a fine cannula",
            "lifts and repositions sagging tissue straight away",
            "stimulates collagen around each thread as the threads dissolve",
        ],
        feel: "pressure and a tugging sensation under local anaesthetic",
        numbing: true,
    },
];

/// A concern a treatment addresses, with the areas it shows on.
struct Concern {
    name: &'static str,
    areas: [&'static str; 3],
}

const CONCERNS: [Concern; 16] = [
    Concern {
        name: "acne scars",
        areas: ["cheeks", "temples", "forehead"],
    },
    Concern {
        name: "hair loss",
        areas: ["scalp", "crown", "hairline"],
    },
    Concern {
        name: "cellulite",
        areas: ["thighs", "buttocks", "hips"],
    },
    Concern {
        name: "fine lines and wrinkles",
        areas: ["forehead", "eyes", "mouth"],
    },
    Concern {
        name: "pigmentation",
        areas: ["face", "hands", "chest"],
    },
    Concern {
        name: "rosacea",
        areas: ["cheeks", "nose", "chin"],
    },
    Concern {
        name: "stubborn fat",
        areas: ["stomach", "flanks", "inner thighs"],
    },
    Concern {
        name: "sagging skin",
        areas: ["jawline", "neck", "jowls"],
    },
    Concern {
        name: "stretch marks",
        areas: ["stomach", "hips", "upper arms"],
    },
    Concern {
        name: "enlarged pores",
        areas: ["nose", "cheeks", "chin"],
    },
    Concern {
        name: "dark circles",
        areas: ["under-eye area", "eyelids", "tear troughs"],
    },
    Concern {
        name: "sun damage",
        areas: ["face", "neck", "chest"],
    },
    Concern {
        name: "dull, tired skin",
        areas: ["face", "neck", "chest"],
    },
    Concern {
        name: "a double chin",
        areas: ["chin", "jawline", "neck"],
    },
    Concern {
        name: "crepey skin",
        areas: ["neck", "upper arms", "knees"],
    },
    Concern {
        name: "thread veins",
        areas: ["cheeks", "nose", "legs"],
    },
];

const SIDE_EFFECTS: [&str; 12] = [
    "redness",
    "swelling",
    "bruising",
    "tenderness",
    "mild itching",
    "tightness",
    "dryness and light flaking",
    "a feeling of warmth",
    "small bumps at the injection points",
    "temporary darkening of sun spots",
    "numbness",
    "a mild headache",
];

const RARE_RISKS: [&str; 8] = [
    "infection",
    "an allergic reaction",
    "blistering",
    "changes in skin colour",
    "scarring",
    "a cold sore flare-up",
    "prolonged swelling",
    "uneven results",
];

const CONTRAINDICATIONS: [&str; 10] = [
    "you are pregnant or breastfeeding",
    "you have an active skin infection, cold sore or open wound in the area",
    "you are taking isotretinoin or stopped it within the last six months",
    "you have a pacemaker or metal implants near the treatment area",
    "you have a bleeding disorder or take blood thinners",
    "you have an autoimmune condition that is not well controlled",
    "you have a history of keloid scarring",
    "you have recently had a tan, or used self-tan in the last two weeks",
    "you have an active flare of eczema or psoriasis where we would treat",
    "you have had filler or another injectable in the same area in the last two weeks",
];

const OPENERS: [&str; 6] = [
    "Many of our clients come to us after trying every cream on the shelf.",
    "It is one of the most requested treatments at our clinic, and for good reason.",
    "This guide answers the questions we hear most often in consultations.",
    "Below we explain how it works, what it feels like and how to look after your skin afterwards.",
    "If you have been wondering whether it could help you, this article is a good place to start.",
    "Results build gradually, so it helps to know what to expect before you book.",
];

const CLOSERS: [&str; 5] = [
    "Your practitioner will talk this through with you at your consultation.",
    "Every plan is tailored to your skin, your goals and your lifestyle.",
    "If anything is unclear, just ask; there is no such thing as a silly question.",
    "We will always be honest about what the treatment can and cannot achieve.",
    "Photographs taken before and after each session help you see the change.",
];

const COMPARED: [&str; 8] = [
    "dermal fillers",
    "anti-wrinkle injections",
    "a facelift",
    "liposuction",
    "microdermabrasion",
    "at-home retinoid creams",
    "laser hair removal",
    "a standard facial",
];

// ---------------------------------------------------------------------------------------------
// Articles: a title, an introduction, then sections with a heading, paragraphs and lists.

enum Block {
    Paragraph(String),
    List { items: Vec<String>, ordered: bool },
}

struct Section {
    heading: String,
    blocks: Vec<Block>,
}

struct Treatment {
    brand: String,
    kind: &'static Kind,
    concern: &'static Concern,
    second: &'static Concern,
}

impl Treatment {
    fn full(&self) -> String {
        format!("{} {}", self.brand, self.kind.name)
    }
}

fn treatment(seed: u64, i: usize) -> Treatment {
    let mut rng = Rng::stream(seed, i as u64, 0);
    let brand = format!("{}{}", rng.pick(&BRAND_HEADS), rng.pick(&BRAND_TAILS));
    let kind = rng.pick(&KINDS);
    let concern = rng.pick(&CONCERNS);
    let mut second = rng.pick(&CONCERNS);
    if std::ptr::eq(second, concern) {
        second =
            &CONCERNS[(rng.below(CONCERNS.len() - 1) + 1 + index_of(concern)) % CONCERNS.len()];
    }
    Treatment {
        brand,
        kind,
        concern,
        second,
    }
}

fn index_of(concern: &Concern) -> usize {
    CONCERNS
        .iter()
        .position(|c| std::ptr::eq(c, concern))
        .unwrap_or(0)
}

/// The title of article `i`; drawn from its own stream, so neighbours' titles are cheap.
pub fn title(seed: u64, i: usize) -> String {
    let t = treatment(seed, i);
    let mut rng = Rng::stream(seed, i as u64, 1);
    let concern = capitalise_words(t.concern.name);
    let full = capitalise_words(&t.full());
    match rng.below(7) {
        0 => format!("{full} for {concern}: All Your Questions Answered"),
        1 => format!("{full} Explained"),
        2 => format!("A Practical Guide to {full}"),
        3 => format!("{full}: What to Expect Before, During and After"),
        4 => format!("Everything You Need to Know About {full}"),
        5 => format!(
            "{full} for {concern} and {}",
            capitalise_words(t.second.name)
        ),
        _ => format!("Is {full} Right for You?"),
    }
}

/// Generates article `i` of a corpus of `total` articles.
pub fn article(seed: u64, i: usize, total: usize) -> File {
    let t = treatment(seed, i);
    let title = title(seed, i);
    let mut rng = Rng::stream(seed, i as u64, 2);
    let format = match rng.below(10) {
        0..=3 => Format::Text,
        4..=6 => Format::Markdown,
        _ => Format::Html,
    };
    let intro = intro(&mut rng, &t);
    let sections = sections(&mut rng, &t);
    let slug = format!("{}-{i:05}", slugify(&title));
    let name = format!("{slug}.{}", format.extension());
    let previous = (i > 0).then(|| self::title(seed, i - 1));
    let next = (i + 1 < total).then(|| self::title(seed, i + 1));
    let contents = match format {
        Format::Text => render_txt(&title, &intro, &sections, previous, next),
        Format::Markdown => render_md(&mut rng, &slug, &title, &intro, &sections),
        Format::Html => render_html(&mut rng, &slug, &title, &intro, &sections, previous, next),
    };
    File {
        name,
        format,
        title,
        contents,
    }
}

fn intro(rng: &mut Rng, t: &Treatment) -> Vec<String> {
    let full = t.full();
    let mut first = format!(
        "{} is a {} treatment for {} that uses {}.",
        capitalise(&full),
        rng.pick(&[
            "non-surgical",
            "minimally invasive",
            "clinically proven",
            "popular"
        ]),
        t.concern.name,
        t.kind.tool
    );
    first.push(' ');
    let opener = *rng.pick(&OPENERS);
    first.push_str(opener);
    let mut out = vec![first];
    if rng.chance(60) {
        out.push(format!(
            "It can also help with {} on the {}, and it is often combined with other treatments for a more complete result. {}",
            t.second.name,
            rng.pick(&t.second.areas),
            rng.pick(&OPENERS)
        ));
    }
    out
}

type SectionFn = fn(&mut Rng, &Treatment) -> Section;

fn sections(rng: &mut Rng, t: &Treatment) -> Vec<Section> {
    let optional: [SectionFn; 10] = [
        benefits,
        pain,
        downtime,
        side_effects,
        preparation,
        aftercare,
        candidates,
        cost,
        results,
        comparison,
    ];
    let count = rng.range(5, 10) as usize;
    let mut chosen = rng.sample(&optional, count);
    // Most articles keep "what is it" first and "how many sessions" early, as real ones do.
    let mut out = vec![what_is(rng, t)];
    let sessions_at = rng.below(3).min(chosen.len());
    chosen.insert(sessions_at, sessions);
    for make in chosen {
        out.push(make(rng, t));
    }
    if rng.chance(50) {
        out.push(consultation(rng, t));
    }
    out
}

fn what_is(rng: &mut Rng, t: &Treatment) -> Section {
    let heading = match rng.below(4) {
        0 => format!("What is {} and how does it work?", t.full()),
        1 => format!("How does {} work?", t.brand),
        2 => format!("What is {}?", t.brand),
        _ => format!("The science behind {}", t.full()),
    };
    let [a, b, c] = t.kind.works;
    let mut blocks = vec![Block::Paragraph(format!(
        "{} uses {} that {}. It {} and {}.",
        capitalise(&t.full()),
        t.kind.tool,
        a,
        b,
        c
    ))];
    if rng.chance(70) {
        blocks.push(Block::Paragraph(format!(
            "Because the skin does the real work, changes appear gradually over {}-{} weeks rather than overnight. {}",
            rng.range(2, 4),
            rng.range(6, 12),
            rng.pick(&CLOSERS)
        )));
    }
    Section { heading, blocks }
}

fn benefits(rng: &mut Rng, t: &Treatment) -> Section {
    let heading = match rng.below(3) {
        0 => format!("The benefits of {} for {}", t.brand, t.concern.name),
        1 => format!("{} for {} and {}", t.brand, t.concern.name, t.second.name),
        _ => "What can it treat".to_string(),
    };
    let mut items = vec![
        format!(
            "It softens the appearance of {} on the {} and {}.",
            t.concern.name,
            t.concern.areas[0],
            rng.pick(&t.concern.areas[1..])
        ),
        format!(
            "It can be used on the {} to improve {}.",
            rng.pick(&t.second.areas),
            t.second.name
        ),
        "It suits most skin types and tones when settings are chosen carefully.".to_string(),
        format!(
            "Results look natural because they build over {} to {} months.",
            rng.range(1, 2),
            rng.range(3, 6)
        ),
        "It works well alongside a good home skincare routine.".to_string(),
        "There are no incisions and no general anaesthetic.".to_string(),
    ];
    rng.shuffle(&mut items[1..]);
    items.truncate(rng.range(3, 6) as usize);
    let mut blocks = Vec::new();
    if rng.chance(50) {
        blocks.push(Block::Paragraph(format!(
            "{} is a versatile treatment. Here are some of the reasons clients choose it for {}:",
            capitalise(&t.full()),
            t.concern.name
        )));
    }
    blocks.push(Block::List {
        items,
        ordered: false,
    });
    Section { heading, blocks }
}

fn sessions(rng: &mut Rng, t: &Treatment) -> Section {
    let heading = match rng.below(4) {
        0 => "How many sessions will I need?".to_string(),
        1 => format!("How many {} treatments do I need?", t.brand),
        2 => "Number of sessions and treatment plan".to_string(),
        _ => format!("Your course of {}", t.kind.name),
    };
    let a = rng.range(1, 6);
    let b = a + rng.range(1, 3);
    let c = rng.range(1, 4);
    let d = c + rng.range(1, 4);
    let word = rng.pick(&["sessions", "treatments", "appointments"]);
    let course = match rng.below(4) {
        0 => format!(
            "Generally, a course of {a}-{b} {word} spaced {c}-{d} weeks apart is recommended for best results."
        ),
        1 => format!(
            "For {} we recommend a course of {a}-{b} {word} spaced {c}-{d} weeks apart.",
            t.concern.name
        ),
        2 => format!("Most clients need {a} to {b} {word}, with {c}-{d} weeks between each one."),
        _ => format!(
            "The number of {word} needed will depend on the individual and the severity of their {}. Typically, a course of {a}-{b} {word} spaced {c}-{d} weeks apart gives the best results.",
            t.concern.name
        ),
    };
    let mut blocks = vec![Block::Paragraph(format!(
        "{course} The gap between appointments gives the skin time to respond before the next round begins."
    ))];
    if rng.chance(60) {
        let a2 = rng.range(1, 6);
        let b2 = a2 + rng.range(1, 4);
        blocks.push(Block::Paragraph(format!(
            "For {} a shorter plan of {a2}-{b2} {word} is often enough. A maintenance session every {} to {} months keeps the result steady.",
            t.second.name,
            rng.range(3, 6),
            rng.range(6, 12)
        )));
    }
    Section { heading, blocks }
}

fn pain(rng: &mut Rng, t: &Treatment) -> Section {
    let heading = match rng.below(4) {
        0 => format!("Does {} hurt?", t.brand),
        1 => "Is the treatment painful?".to_string(),
        2 => "What does it feel like?".to_string(),
        _ => "Comfort during your treatment".to_string(),
    };
    let mut text = format!("Most clients describe the feeling as {}.", t.kind.feel);
    if t.kind.numbing {
        let _ = write!(
            text,
            " We apply a numbing cream {} minutes before we begin, so the treatment is comfortable for most people.",
            rng.pick(&[20, 30, 40, 45])
        );
    } else {
        text.push_str(
            " No numbing cream is needed, and you can stop at any time if you feel uncomfortable.",
        );
    }
    let _ = write!(
        text,
        " On a scale of one to ten, most people rate it around {}. The appointment takes about {} minutes.",
        rng.range(1, 4),
        rng.pick(&[20, 30, 45, 60, 75, 90])
    );
    Section {
        heading,
        blocks: vec![Block::Paragraph(text)],
    }
}

fn downtime(rng: &mut Rng, t: &Treatment) -> Section {
    let heading = match rng.below(4) {
        0 => "Downtime and recovery".to_string(),
        1 => format!("Is there any downtime after {}?", t.brand),
        2 => "How long is the recovery?".to_string(),
        _ => "What to expect after your session".to_string(),
    };
    let (lo, hi, unit) = *rng.pick(&[
        (12, 24, "hours"),
        (24, 48, "hours"),
        (48, 72, "hours"),
        (2, 3, "days"),
        (3, 5, "days"),
        (5, 7, "days"),
    ]);
    let mut blocks = vec![Block::Paragraph(match rng.below(3) {
        0 => format!(
            "The downtime is short. Expect {lo}-{hi} {unit} of {} that looks and feels like mild sunburn. Many clients return to work the next day.",
            rng.pick(&["redness", "swelling", "redness and swelling"])
        ),
        1 => format!(
            "There is usually {lo}-{hi} {unit} of downtime. You may notice {} and {} in the treated area, which settle on their own.",
            rng.pick(&SIDE_EFFECTS),
            rng.pick(&SIDE_EFFECTS)
        ),
        _ => format!(
            "Most people go straight back to their day, although the skin can stay pink for {lo}-{hi} {unit}. Make-up can usually be worn again after {} hours.",
            rng.pick(&[12, 24, 48])
        ),
    })];
    if rng.chance(50) {
        blocks.push(Block::List {
            items: vec![
                format!(
                    "Avoid the gym and saunas for {} hours.",
                    rng.pick(&[24, 48, 72])
                ),
                format!("Stay out of direct sun for {} weeks.", rng.range(2, 4)),
                "Sleep with your head slightly raised on the first night.".to_string(),
                format!(
                    "Full results of {} appear after {}-{} weeks.",
                    t.brand,
                    rng.range(2, 4),
                    rng.range(6, 12)
                ),
            ],
            ordered: false,
        });
    }
    Section { heading, blocks }
}

fn side_effects(rng: &mut Rng, t: &Treatment) -> Section {
    let heading = match rng.below(4) {
        0 => format!("The safety and potential side effects of {}", t.brand),
        1 => "Are there any side effects?".to_string(),
        2 => "Risks and side effects".to_string(),
        _ => format!("Is {} safe?", t.full()),
    };
    let (n_common, n_rare) = (rng.range(2, 4) as usize, rng.range(2, 3) as usize);
    let common = rng.sample(&SIDE_EFFECTS, n_common);
    let rare = rng.sample(&RARE_RISKS, n_rare);
    let mut blocks = vec![Block::Paragraph(format!(
        "{} is generally a safe and well-tolerated treatment when performed by a trained and licensed professional. However, as with any medical procedure, there are some potential risks and side effects to be aware of.",
        capitalise(&t.full())
    ))];
    blocks.push(Block::List {
        items: vec![
            format!(
                "Common side effects include {}. These are usually mild and resolve within {}.",
                join_and(&common),
                rng.pick(&["a few hours", "a day or two", "a few days", "a week"])
            ),
            format!(
                "Rare risks include {}, which can be minimised by choosing a qualified and experienced provider.",
                join_and(&rare)
            ),
            format!(
                "Contact the clinic straight away if you notice {} or a temperature after treatment.",
                rng.pick(&["spreading redness", "increasing pain", "pus or weeping", "severe swelling"])
            ),
        ],
        ordered: false,
    });
    Section { heading, blocks }
}

fn preparation(rng: &mut Rng, t: &Treatment) -> Section {
    let heading = match rng.below(3) {
        0 => format!("How to prepare for a {} treatment session", t.brand),
        1 => "Before your appointment".to_string(),
        _ => "Preparing for your treatment".to_string(),
    };
    let mut items = vec![
        format!(
            "Stop using retinol and exfoliating acids {} days before your appointment.",
            rng.range(3, 7)
        ),
        format!(
            "Avoid alcohol for {} hours beforehand, as it can increase bruising.",
            rng.pick(&[24, 48])
        ),
        "Tell us about any medication, including blood thinners and supplements such as fish oil."
            .to_string(),
        format!(
            "Avoid sunbeds and self-tan for {} weeks before treatment.",
            rng.range(2, 4)
        ),
        "Drink plenty of water in the days leading up to your session.".to_string(),
        "Arrive with clean skin and no make-up if you can.".to_string(),
    ];
    rng.shuffle(&mut items);
    items.truncate(rng.range(3, 6) as usize);
    Section {
        heading,
        blocks: vec![
            Block::Paragraph(format!(
                "Preparing for {} involves a few simple steps that help you get the best possible outcome. {}",
                t.brand,
                rng.pick(&CLOSERS)
            )),
            Block::List {
                items,
                ordered: rng.chance(40),
            },
        ],
    }
}

fn aftercare(rng: &mut Rng, t: &Treatment) -> Section {
    let hours = rng.pick(&[24, 48, 72]);
    let heading = match rng.below(3) {
        0 => format!("Aftercare: the first {hours} hours"),
        1 => format!("Looking after your skin after {}", t.brand),
        _ => "Aftercare advice".to_string(),
    };
    let mut items = vec![
        format!("Wear no make-up for {} hours.", rng.pick(&[12, 24])),
        format!(
            "Apply SPF {} every day, even when it is cloudy.",
            rng.pick(&[30, 50])
        ),
        format!("Avoid the gym, saunas and swimming for {hours} hours."),
        "Use a gentle cleanser and a plain moisturiser.".to_string(),
        "Leave out acids and retinoids until any redness has gone.".to_string(),
        "Do not pick or scratch at flaking skin.".to_string(),
        "Sleep on a clean pillowcase for the first few nights.".to_string(),
    ];
    rng.shuffle(&mut items);
    items.truncate(rng.range(3, 6) as usize);
    Section {
        heading,
        blocks: vec![
            Block::Paragraph(
                "Good aftercare protects your results and lowers the risk of irritation. Please follow these steps:".to_string(),
            ),
            Block::List {
                items,
                ordered: rng.chance(50),
            },
        ],
    }
}

fn candidates(rng: &mut Rng, t: &Treatment) -> Section {
    let heading = match rng.below(3) {
        0 => format!(
            "Who is a good candidate for {} and who should avoid it",
            t.brand
        ),
        1 => format!("Who should not have {}", t.kind.name),
        _ => "Is it suitable for everyone?".to_string(),
    };
    let count = rng.range(3, 5) as usize;
    let items: Vec<String> = rng
        .sample(&CONTRAINDICATIONS, count)
        .into_iter()
        .map(str::to_string)
        .collect();
    Section {
        heading,
        blocks: vec![
            Block::Paragraph(format!(
                "{} is suitable for most adults in good general health with realistic expectations. We will not treat you if any of the following apply:",
                capitalise(&t.full())
            )),
            Block::List {
                items,
                ordered: false,
            },
            Block::Paragraph(
                "If you are unsure, mention it at your consultation and we will go through your medical history with you first.".to_string(),
            ),
        ],
    }
}

fn cost(rng: &mut Rng, t: &Treatment) -> Section {
    let heading = match rng.below(3) {
        0 => format!("How much does {} cost?", t.brand),
        1 => "Prices and packages".to_string(),
        _ => "Cost of treatment".to_string(),
    };
    let price = 25 * rng.range(4, 36);
    let saving = rng.pick(&[10, 15, 20]);
    Section {
        heading,
        blocks: vec![Block::Paragraph(format!(
            "A single session of {} costs from £{price}, depending on the size of the area treated. A course of {} sessions booked together saves {saving}% on the total price. Your consultation fee of £{} is deducted from your first treatment.",
            t.full(),
            rng.range(3, 6),
            rng.pick(&[0, 25, 50])
        ))],
    }
}

fn results(rng: &mut Rng, t: &Treatment) -> Section {
    let heading = match rng.below(3) {
        0 => "How long do the results last?".to_string(),
        1 => format!("When will I see results from {}?", t.brand),
        _ => "Results and maintenance".to_string(),
    };
    let a = rng.range(3, 12);
    let b = a + rng.range(3, 12);
    Section {
        heading,
        blocks: vec![Block::Paragraph(format!(
            "Most people notice a difference within {} weeks of their first session, and the full result develops over {} to {} months. Results typically last {a}-{b} months, depending on your age, lifestyle and how well you protect your skin from the sun.",
            rng.range(1, 4),
            rng.range(2, 3),
            rng.range(4, 6)
        ))],
    }
}

fn comparison(rng: &mut Rng, t: &Treatment) -> Section {
    let other = rng.pick(&COMPARED);
    Section {
        heading: format!("The differences between {} and {}", t.brand, other),
        blocks: vec![
            Block::Paragraph(format!(
                "{} and {other} are often mentioned together, but they do different jobs. {} improves the quality of the skin itself, while {other} changes volume, movement or shape.",
                capitalise(&t.full()),
                t.brand
            )),
            Block::Paragraph(format!(
                "Many clients combine the two. {} Consulting with a qualified practitioner can help determine which treatment is right for your needs and goals.",
                rng.pick(&CLOSERS)
            )),
        ],
    }
}

fn consultation(rng: &mut Rng, t: &Treatment) -> Section {
    Section {
        heading: "Booking a consultation".to_string(),
        blocks: vec![Block::Paragraph(format!(
            "Every course of {} starts with a consultation of about {} minutes, where we look at your skin, talk through your goals and agree on a plan. {}",
            t.brand,
            rng.pick(&[15, 20, 30]),
            rng.pick(&CLOSERS)
        ))],
    }
}

// ---------------------------------------------------------------------------------------------
// Rendering.

fn render_txt(
    title: &str,
    intro: &[String],
    sections: &[Section],
    previous: Option<String>,
    next: Option<String>,
) -> String {
    let mut out = format!("{title}\n\n{title}\n\n");
    for p in intro {
        let _ = write!(out, "{p}\n\n");
    }
    for (n, section) in sections.iter().enumerate() {
        if n > 0 {
            out.push_str("\u{a0}\n\n");
        }
        let _ = write!(out, "{}\n\n", section.heading);
        for block in &section.blocks {
            match block {
                Block::Paragraph(p) => {
                    let _ = write!(out, "{p}\n\n");
                }
                Block::List { items, .. } => {
                    for item in items {
                        let _ = write!(out, "  • {item}\n\n");
                    }
                }
            }
        }
    }
    if let Some(previous) = previous {
        let _ = write!(out, "Previous\nPrevious\n\n{previous}\n\n");
    }
    if let Some(next) = next {
        let _ = write!(out, "Next\nNext\n\n{next}");
    }
    out
}

fn render_md(
    rng: &mut Rng,
    slug: &str,
    title: &str,
    intro: &[String],
    sections: &[Section],
) -> String {
    let mut out = String::from("---\n");
    let _ = writeln!(out, "title: {title}");
    if rng.chance(70) {
        let _ = writeln!(out, "url: https://www.clinic.example/blog/{slug}");
    }
    let _ = writeln!(
        out,
        "date: {}-{:02}-{:02}",
        rng.range(2019, 2025),
        rng.range(1, 12),
        rng.range(1, 28)
    );
    let _ = writeln!(
        out,
        "author: {}",
        rng.pick(&[
            "Clinic team",
            "Dr A. Patel",
            "Nurse J. Okafor",
            "Dr M. Rossi"
        ])
    );
    out.push_str("---\n\n");
    let _ = write!(out, "# {title}\n\n");
    for p in intro {
        let _ = write!(out, "{p}\n\n");
    }
    for section in sections {
        let _ = write!(out, "## {}\n\n", section.heading);
        for block in &section.blocks {
            match block {
                Block::Paragraph(p) => {
                    let _ = write!(out, "{}\n\n", emphasise_numbers(p, "**"));
                }
                Block::List { items, ordered } => {
                    for (n, item) in items.iter().enumerate() {
                        if *ordered {
                            let _ = writeln!(out, "{}. {item}", n + 1);
                        } else {
                            let _ = writeln!(out, "- {item}");
                        }
                    }
                    out.push('\n');
                }
            }
        }
    }
    out
}

fn render_html(
    rng: &mut Rng,
    slug: &str,
    title: &str,
    intro: &[String],
    sections: &[Section],
    previous: Option<String>,
    next: Option<String>,
) -> String {
    let t = escape(title);
    let mut out = String::new();
    out.push_str("<!doctype html>\n<html lang=\"en-GB\">\n<head>\n  <meta charset=\"utf-8\">\n");
    out.push_str("  <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(out, "  <title>{t} | Clinic Example</title>");
    if rng.chance(70) {
        let _ = writeln!(
            out,
            "  <link rel=\"canonical\" href=\"https://www.clinic.example/treatments/{slug}\">"
        );
    }
    out.push_str(HTML_HEAD_CHROME);
    out.push_str("</head>\n<body class=\"page-treatment\">\n");
    out.push_str(HTML_HEADER);
    let _ = writeln!(
        out,
        "  <nav class=\"breadcrumb\" aria-label=\"Breadcrumb\"><a href=\"/\">Home</a> &rsaquo; <a href=\"/treatments\">Treatments</a> &rsaquo; <span>{t}</span></nav>"
    );
    out.push_str(HTML_COOKIES);
    out.push_str("  <main id=\"content\">\n    <article class=\"treatment-article\">\n");
    let _ = writeln!(out, "      <h1>{t}</h1>");
    for (n, p) in intro.iter().enumerate() {
        let class = if n == 0 { " class=\"lead\"" } else { "" };
        let _ = writeln!(
            out,
            "      <p{class}>{}</p>",
            emphasise_numbers(&escape(p), "<strong>")
        );
    }
    for section in sections {
        let _ = writeln!(out, "\n      <h2>{}</h2>", escape(&section.heading));
        for block in &section.blocks {
            match block {
                Block::Paragraph(p) => {
                    let _ = writeln!(
                        out,
                        "      <p>{}</p>",
                        emphasise_numbers(&escape(p), "<strong>")
                    );
                }
                Block::List { items, ordered } => {
                    let tag = if *ordered { "ol" } else { "ul" };
                    let _ = writeln!(out, "      <{tag}>");
                    for item in items {
                        let _ = writeln!(out, "        <li>{}</li>", escape(item));
                    }
                    let _ = writeln!(out, "      </{tag}>");
                }
            }
        }
    }
    out.push_str("    </article>\n");
    if previous.is_some() || next.is_some() {
        out.push_str("    <nav class=\"post-navigation\">\n");
        if let Some(previous) = previous {
            let _ = writeln!(
                out,
                "      <a rel=\"prev\" href=\"#\">Previous: {}</a>",
                escape(&previous)
            );
        }
        if let Some(next) = next {
            let _ = writeln!(
                out,
                "      <a rel=\"next\" href=\"#\">Next: {}</a>",
                escape(&next)
            );
        }
        out.push_str("    </nav>\n");
    }
    out.push_str("  </main>\n");
    out.push_str(HTML_FOOTER);
    out.push_str("</body>\n</html>\n");
    out
}

const HTML_HEAD_CHROME: &str = r#"  <link rel="stylesheet" href="/assets/site.css">
  <style>
    body { font-family: "Helvetica Neue", Arial, sans-serif; margin: 0; color: #2b2b2b; }
    .site-header { display: flex; justify-content: space-between; padding: 1rem 2rem; }
    .cookie-banner { position: fixed; bottom: 0; left: 0; right: 0; background: #222; color: #fff; }
    article h2 { margin-top: 2rem; color: #7a4e35; }
  </style>
  <script>
    window.dataLayer = window.dataLayer || [];
    function gtag(){ dataLayer.push(arguments); }
    gtag('js', new Date());
  </script>
"#;

const HTML_HEADER: &str = r#"  <header class="site-header">
    <a class="logo" href="/"><img src="/assets/logo.svg" alt="Clinic Example logo"> Clinic Example</a>
    <ul class="site-menu">
      <li><a href="/">Home</a></li>
      <li><a href="/treatments">Treatments</a></li>
      <li><a href="/prices">Prices</a></li>
      <li><a href="/contact">Contact</a></li>
    </ul>
  </header>
"#;

const HTML_COOKIES: &str = r#"  <div class="cookie-banner" id="cookie-consent">
    We use cookies to personalise content and analyse our traffic.
    <button type="button" id="cookie-accept">Accept all cookies</button>
  </div>
"#;

const HTML_FOOTER: &str = r#"  <footer class="site-footer">
    <div class="footer-address"><strong>Clinic Example</strong><br>12 Harbour Street, Exampleton EX1 2AB<br>Telephone: 01234 567890</div>
    <p class="footer-legal">Copyright &copy; 2025 Clinic Example Ltd. All rights reserved. <a href="/privacy">Privacy policy</a></p>
  </footer>
  <script>
    document.getElementById('cookie-accept').addEventListener('click', function () {
      document.getElementById('cookie-consent').style.display = 'none';
    });
  </script>
"#;

// ---------------------------------------------------------------------------------------------
// Small text helpers.

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Wraps the first "N-M unit" range of a paragraph in bold, as clinics like to.
fn emphasise_numbers(text: &str, open: &str) -> String {
    let close = if open == "**" { "**" } else { "</strong>" };
    let bytes = text.as_bytes();
    let Some(start) = (0..bytes.len()).find(|&i| {
        bytes[i].is_ascii_digit()
            && (i == 0 || bytes[i - 1] == b' ')
            && text[i..].split(' ').next().is_some_and(|w| w.contains('-'))
    }) else {
        return text.to_string();
    };
    // The range and the word after it: "3-5 sessions".
    let mut end = start;
    let mut spaces = 0;
    for (offset, c) in text[start..].char_indices() {
        if c == ' ' {
            spaces += 1;
            if spaces == 2 {
                break;
            }
        }
        end = start + offset + c.len_utf8();
    }
    let word_end = text[..end].trim_end_matches(['.', ',']).len();
    format!(
        "{}{open}{}{close}{}",
        &text[..start],
        &text[start..word_end],
        &text[word_end..]
    )
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn capitalise_words(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            if w.chars().all(|c| c.is_uppercase()) || matches!(w, "and" | "a" | "of") {
                w.to_string()
            } else {
                capitalise(w)
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn join_and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars().filter(|c| !matches!(c, '\'' | '’')) {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}
