//! The tantivy index on disk: its schema, building it from the corpus, opening it, and searching
//! it. Owns the one `IndexReader` of each index generation.
//!
//! Layout of the index folder: each build writes a fresh `gen-<time>/` (first as
//! `.building-<time>/`, renamed when complete), and the file `CURRENT` names the generation in
//! use. `CURRENT` is replaced by an atomic rename, so a crash mid-build leaves the old index
//! serving. Each generation holds a `manifest.json` with the corpus files' content hashes, which
//! decides whether the corpus changed since. A process builds or tidies the folder only while
//! it holds the advisory lock on `build.lock`, so two services on one folder never remove
//! each other's half-built generation; a folder it cannot write is served read-only.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use arc_swap::ArcSwap;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::query::{Bm25StatisticsProvider, Query, TermQuery};
use tantivy::schema::{
    Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TantivyDocument, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Searcher, Term, doc};

use crate::chunk;
use crate::corpus;
use read_only::ReadOnlyDirectory;

mod read_only;
use crate::text::{self, FastMap};

/// Bumped whenever the schema or the analyzers change, so old indexes are rebuilt.
const FORMAT_VERSION: u32 = 2;
const CURRENT: &str = "CURRENT";
const LOCK: &str = "build.lock";
const MANIFEST: &str = "manifest.json";
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

/// The schema's fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    pub slug: Field,
    pub title: Field,
    pub heading: Field,
    pub anchor: Field,
    pub body: Field,
    /// Unstemmed words of title, heading and body: the vocabulary for typo correction.
    pub words: Field,
    pub url: Field,
    pub section_ord: Field,
    pub passage_ord: Field,
    /// 1 for a list item, 0 for a paragraph: how the article page shows it.
    pub item: Field,
    /// `slug/section/passage`: finds one passage with one term, whatever the article's size.
    pub key: Field,
    /// For a list item, the `passage_ord` of the paragraph before its list (its lead-in).
    pub lead_ord: Field,
}

impl Fields {
    fn schema() -> (Schema, Fields) {
        let stemmed = |positions: bool| {
            let record = if positions {
                IndexRecordOption::WithFreqsAndPositions
            } else {
                IndexRecordOption::WithFreqs
            };
            TextOptions::default()
                .set_indexing_options(
                    TextFieldIndexing::default()
                        .set_tokenizer(text::STEMMED)
                        .set_index_option(record),
                )
                .set_stored()
        };
        let raw = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(text::RAW)
                .set_index_option(IndexRecordOption::Basic),
        );
        let mut builder = Schema::builder();
        let fields = Fields {
            slug: builder.add_text_field("slug", STRING | STORED),
            title: builder.add_text_field("title", stemmed(false)),
            heading: builder.add_text_field("heading", stemmed(true)),
            anchor: builder.add_text_field("anchor", STORED),
            body: builder.add_text_field("body", stemmed(true)),
            words: builder.add_text_field("words", raw),
            url: builder.add_text_field("url", STORED),
            section_ord: builder.add_u64_field("section_ord", STORED | INDEXED),
            passage_ord: builder.add_u64_field("passage_ord", STORED),
            item: builder.add_u64_field("item", STORED),
            key: builder.add_text_field("key", STRING),
            lead_ord: builder.add_u64_field("lead_ord", STORED),
        };
        (builder.build(), fields)
    }

    fn from_schema(schema: &Schema) -> anyhow::Result<Fields> {
        let get = |name: &str| {
            schema
                .get_field(name)
                .with_context(|| format!("index lacks field {name}"))
        };
        Ok(Fields {
            slug: get("slug")?,
            title: get("title")?,
            heading: get("heading")?,
            anchor: get("anchor")?,
            body: get("body")?,
            words: get("words")?,
            url: get("url")?,
            section_ord: get("section_ord")?,
            passage_ord: get("passage_ord")?,
            item: get("item")?,
            key: get("key")?,
            lead_ord: get("lead_ord")?,
        })
    }
}

/// What an index generation was built from, and a summary of what it holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    /// Seconds since the Unix epoch.
    pub built_at: u64,
    pub build_ms: u64,
    pub files: Vec<FileHash>,
    pub articles: Vec<ArticleSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileHash {
    pub name: String,
    pub sha256: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArticleSummary {
    pub slug: String,
    pub title: String,
    pub url: Option<String>,
    pub date: Option<String>,
    pub sections: usize,
    pub passages: usize,
    /// The section headings, for suggestions and the home page.
    pub headings: Vec<String>,
}

/// What a build did, for the CLI and the admin endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    pub articles: usize,
    pub sections: usize,
    pub passages: usize,
    pub skipped_files: usize,
    pub elapsed: Duration,
}

/// One stored passage, as search returns it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPassage {
    pub slug: String,
    pub title: String,
    pub url: Option<String>,
    pub heading: String,
    pub anchor: String,
    pub text: String,
    pub section_ord: u64,
    pub passage_ord: u64,
    pub item: bool,
    /// For a list item, the `passage_ord` of the paragraph that introduces its list.
    pub lead_ord: Option<u64>,
}

impl StoredPassage {
    /// Whether it is of the article's introduction, the text before its first heading,
    /// headed by the article's title.
    pub fn is_introduction(&self) -> bool {
        self.heading == self.title
    }
}

/// One built index, opened: its reader and what it holds.
pub struct Generation {
    pub index: Index,
    pub reader: IndexReader,
    pub fields: Fields,
    pub manifest: Manifest,
    pub dir: PathBuf,
    /// Article slug -> its place in the manifest.
    by_slug: HashMap<String, usize>,
    /// Each article's headings lowercased, in the manifest's order, to find topics in.
    lowercase_headings: Vec<Vec<String>>,
    /// Stored documents loaded so far: what an answer costs, for tests to bound.
    documents_read: AtomicU64,
    /// Each article's passage addresses, by manifest place, found on first need: a
    /// treatment's articles are read whole for many questions.
    addresses: Vec<std::sync::OnceLock<Arc<[DocAddress]>>>,
}

impl Generation {
    /// Opens the generation in `dir`; `read_only` for a folder this process may not write.
    fn open(dir: &Path, read_only: bool) -> anyhow::Result<Generation> {
        let manifest: Manifest = serde_json::from_slice(&std::fs::read(dir.join(MANIFEST))?)
            .context("the manifest is unreadable")?;
        anyhow::ensure!(
            manifest.format_version == FORMAT_VERSION,
            "the index format is outdated"
        );
        let index = match read_only {
            true => Index::open(ReadOnlyDirectory::open(dir)?)?,
            false => Index::open_in_dir(dir)?,
        };
        // Damage inside a file (a bad block, a partial copy) shows only in its checksum; found
        // now, the index is rebuilt, instead of failing visitors' questions later.
        let damaged = index.validate_checksum()?;
        anyhow::ensure!(damaged.is_empty(), "damaged index files: {damaged:?}");
        register_analyzers(&index);
        let fields = Fields::from_schema(&index.schema())?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let by_slug = manifest
            .articles
            .iter()
            .enumerate()
            .map(|(i, a)| (a.slug.clone(), i))
            .collect();
        let lowercase_headings = manifest
            .articles
            .iter()
            .map(|a| a.headings.iter().map(|h| h.to_lowercase()).collect())
            .collect();
        let manifest_articles = manifest.articles.len();
        let generation = Generation {
            index,
            reader,
            fields,
            manifest,
            dir: dir.to_path_buf(),
            by_slug,
            addresses: (0..manifest_articles).map(|_| Default::default()).collect(),
            lowercase_headings,
            documents_read: AtomicU64::new(0),
        };
        // Touch every segment once, so a truncated file shows up now and not on a visitor's question.
        generation
            .reader
            .searcher()
            .segment_readers()
            .iter()
            .try_for_each(|s| s.inverted_index(fields.body).map(|_| ()))?;
        Ok(generation)
    }

    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// The best documents for a query, best first, without loading them.
    pub fn search_addresses(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        limit: usize,
        statistics: &dyn Bm25StatisticsProvider,
    ) -> tantivy::Result<Vec<(f32, DocAddress)>> {
        let top = TopDocs::with_limit(limit.max(1)).order_by_score();
        searcher.search_with_statistics_provider(query, &top, statistics)
    }

    pub fn passage(
        &self,
        searcher: &Searcher,
        address: DocAddress,
    ) -> tantivy::Result<StoredPassage> {
        let doc: TantivyDocument = searcher.doc(address)?;
        self.documents_read.fetch_add(1, Ordering::Relaxed);
        let f = &self.fields;
        let text = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let number = |field| {
            doc.get_first(field)
                .and_then(|v| v.as_u64())
                .unwrap_or_default()
        };
        let url = text(f.url);
        Ok(StoredPassage {
            slug: text(f.slug),
            title: text(f.title),
            url: (!url.is_empty()).then_some(url),
            heading: text(f.heading),
            anchor: text(f.anchor),
            text: text(f.body),
            section_ord: number(f.section_ord),
            passage_ord: number(f.passage_ord),
            item: number(f.item) == 1,
            lead_ord: doc.get_first(f.lead_ord).and_then(|v| v.as_u64()),
        })
    }

    /// One passage by its place in its article, or `None` past the section's end: one term
    /// looked up and one document loaded, however long the article is.
    pub fn passage_at(
        &self,
        searcher: &Searcher,
        slug: &str,
        section_ord: u64,
        passage_ord: u64,
    ) -> tantivy::Result<Option<StoredPassage>> {
        let key = passage_key(slug, section_ord, passage_ord);
        let query = TermQuery::new(
            Term::from_field_text(self.fields.key, &key),
            IndexRecordOption::Basic,
        );
        let found = searcher.search(&query, &DocSetCollector)?;
        found
            .into_iter()
            .next()
            .map(|address| self.passage(searcher, address))
            .transpose()
    }

    /// Every passage of one article in reading order, or `None` when there is no such article.
    pub fn article_passages(&self, slug: &str) -> tantivy::Result<Option<Vec<StoredPassage>>> {
        let searcher = self.searcher();
        let query = TermQuery::new(
            Term::from_field_text(self.fields.slug, slug),
            IndexRecordOption::Basic,
        );
        let addresses = searcher.search(&query, &DocSetCollector)?;
        if addresses.is_empty() {
            return Ok(None);
        }
        let mut passages = addresses
            .into_iter()
            .map(|address| self.passage(&searcher, address))
            .collect::<tantivy::Result<Vec<_>>>()?;
        passages.sort_by_key(|p| (p.section_ord, p.passage_ord));
        Ok(Some(passages))
    }

    /// The addresses of one article's passages (by its place in the manifest), in no order:
    /// the documents its slug indexes; searched once, then kept.
    pub fn article_addresses(
        &self,
        searcher: &Searcher,
        ordinal: usize,
    ) -> tantivy::Result<Arc<[DocAddress]>> {
        let (Some(kept), Some(article)) = (
            self.addresses.get(ordinal),
            self.manifest.articles.get(ordinal),
        ) else {
            return Ok(Arc::from([]));
        };
        if let Some(addresses) = kept.get() {
            return Ok(addresses.clone());
        }
        let query = TermQuery::new(
            Term::from_field_text(self.fields.slug, &article.slug),
            IndexRecordOption::Basic,
        );
        let found: Arc<[DocAddress]> = searcher
            .search(&query, &DocSetCollector)?
            .into_iter()
            .collect();
        Ok(kept.get_or_init(|| found).clone())
    }

    /// How many stored passages this generation has loaded since it was opened.
    pub fn documents_read(&self) -> u64 {
        self.documents_read.load(Ordering::Relaxed)
    }

    /// An article's place in the manifest's list of articles.
    pub fn article_ordinal(&self, slug: &str) -> Option<usize> {
        self.by_slug.get(slug).copied()
    }

    pub fn summary(&self, slug: &str) -> Option<&ArticleSummary> {
        let at = *self.by_slug.get(slug)?;
        self.manifest.articles.get(at)
    }

    /// An article's section headings lowercased, in the summary's order.
    pub fn lowercase_headings(&self, slug: &str) -> Option<&[String]> {
        let at = *self.by_slug.get(slug)?;
        self.lowercase_headings.get(at).map(Vec::as_slice)
    }

    /// Every term of a field with the number of passages holding it: for the `words` field
    /// the unstemmed vocabulary, for `body` the stems.
    pub fn terms(&self, field: Field) -> tantivy::Result<FastMap<String, u32>> {
        let mut words = FastMap::<String, u32>::default();
        for segment in self.searcher().segment_readers() {
            let inverted = segment.inverted_index(field)?;
            let mut stream = inverted.terms().stream()?;
            while stream.advance() {
                if let Ok(word) = std::str::from_utf8(stream.key()) {
                    *words.entry(word.to_string()).or_default() += stream.value().doc_freq;
                }
            }
        }
        Ok(words)
    }
}

/// The analyzers the schema names. Only indexing runs them (queries are built from
/// [`text::stems`]), so the stemmed one is the indexing variant: the same terms, stemmed faster.
pub fn register_analyzers(index: &Index) {
    index
        .tokenizers()
        .register(text::STEMMED, text::indexing_analyzer());
    index.tokenizers().register(text::RAW, text::raw_analyzer());
}

/// What the service reads from one index generation, prepared once, where the generation is
/// built or opened, and never on a visitor's request.
pub trait Prepared: Send + Sync + 'static {
    fn generation(&self) -> &Arc<Generation>;
}

/// A generation needs nothing more prepared.
impl Prepared for Arc<Generation> {
    fn generation(&self) -> &Arc<Generation> {
        self
    }
}

type Prepare<K> = Box<dyn Fn(Arc<Generation>) -> anyhow::Result<K> + Send + Sync>;

/// A reindex that failed: the service answers from the generation before it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Failure {
    /// Unix seconds.
    pub at: i64,
    pub error: String,
}

/// The index the service answers from: one immutable snapshot per generation (`K`, the
/// generation and what was prepared from it), swapped whole on a rebuild. A reader holds the
/// snapshot it loaded for as long as it needs it.
pub struct IndexHandle<K: Prepared = Arc<Generation>> {
    corpus: PathBuf,
    root: PathBuf,
    current: ArcSwap<K>,
    prepare: Prepare<K>,
    building: Mutex<()>,
    failure: Mutex<Option<Failure>>,
    /// The index folder could not be written at start: answers come from the index as it
    /// was, and a reindex is refused.
    read_only: bool,
}

impl<K: Prepared> IndexHandle<K> {
    /// Opens the index in `root`, building it first when it is missing, unreadable, outdated,
    /// or the corpus changed since it was built, and prepares its snapshot with `prepare`.
    /// Returns the build report when it built. A folder this process may not write is served
    /// as it is, when it holds an index.
    pub fn open_or_build(
        corpus: &Path,
        root: &Path,
        prepare: impl Fn(Arc<Generation>) -> anyhow::Result<K> + Send + Sync + 'static,
    ) -> anyhow::Result<(IndexHandle<K>, Option<BuildReport>)> {
        anyhow::ensure!(
            corpus.is_dir(),
            "the corpus folder {} does not exist",
            corpus.display()
        );
        std::fs::create_dir_all(root)
            .with_context(|| format!("cannot create {}", root.display()))?;
        let files = hash_corpus(corpus)?;
        let (generation, report, read_only) = match BuildLock::acquire(root) {
            Ok(_lock) => {
                remove_unfinished(root);
                let (generation, report) = open_current_or_build(corpus, root, files)?;
                (generation, report, false)
            }
            Err(err) if is_read_only(&err) => (open_read_only(root, &files)?, None, true),
            Err(err) => {
                return Err(err).with_context(|| format!("cannot lock {}", root.display()));
            }
        };
        let snapshot = prepare(Arc::new(generation))?;
        let handle = IndexHandle {
            corpus: corpus.to_path_buf(),
            root: root.to_path_buf(),
            current: ArcSwap::from_pointee(snapshot),
            prepare: Box::new(prepare),
            building: Mutex::new(()),
            failure: Mutex::new(None),
            read_only,
        };
        Ok((handle, report))
    }

    /// The snapshot to answer from; cheap, and stays whole through a swap.
    pub fn current(&self) -> Arc<K> {
        self.current.load_full()
    }

    /// The generation now current.
    pub fn generation(&self) -> Arc<Generation> {
        self.current.load().generation().clone()
    }

    /// Builds a new generation from the corpus aside, prepares its snapshot and swaps it in;
    /// questions keep being answered from the old one meanwhile, and still are when either
    /// step fails (the failure is logged and kept for the status page). Rebuilds are
    /// serialised, with other processes' too.
    pub fn rebuild(&self) -> anyhow::Result<BuildReport> {
        anyhow::ensure!(
            !self.read_only,
            "the index folder {} is read-only: reindex is unavailable",
            self.root.display()
        );
        let _one_at_a_time = self.building.lock().unwrap_or_else(|e| e.into_inner());
        let built = build(&self.corpus, &self.root)
            .and_then(|(generation, report)| Ok(((self.prepare)(Arc::new(generation))?, report)));
        let mut failure = self.failure.lock().unwrap_or_else(|e| e.into_inner());
        match built {
            Ok((snapshot, report)) => {
                self.current.store(Arc::new(snapshot));
                *failure = None;
                Ok(report)
            }
            Err(err) => {
                tracing::error!("reindex failed; still answering from the index before: {err:#}");
                *failure = Some(Failure {
                    at: unix_seconds(),
                    error: format!("{err:#}"),
                });
                Err(err)
            }
        }
    }

    /// The last reindex's failure, when the last one failed.
    pub fn failure(&self) -> Option<Failure> {
        self.failure
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn corpus(&self) -> &Path {
        &self.corpus
    }
}

fn unix_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// The current generation when it was built from exactly `files`, else a fresh build.
/// Runs with the folder's lock held.
fn open_current_or_build(
    corpus: &Path,
    root: &Path,
    files: Vec<FileHash>,
) -> anyhow::Result<(Generation, Option<BuildReport>)> {
    if let Some(dir) = current_dir(root) {
        match Generation::open(&dir, false) {
            Ok(generation) if generation.manifest.files == files => return Ok((generation, None)),
            Ok(_) => tracing::info!("the corpus changed since the index was built; rebuilding"),
            Err(err) => {
                tracing::warn!(index = %dir.display(), "the index is unreadable ({err:#}); rebuilding it from the corpus");
            }
        }
    }
    let (generation, report) = build_locked(corpus, root, files)?;
    Ok((generation, Some(report)))
}

/// The current generation of a folder this process may not write, whatever it was built from.
fn open_read_only(root: &Path, files: &[FileHash]) -> anyhow::Result<Generation> {
    let dir = current_dir(root).with_context(|| {
        format!(
            "the index folder {} is read-only and holds no index to serve",
            root.display()
        )
    })?;
    let generation = Generation::open(&dir, true).with_context(|| {
        format!(
            "the index folder {} is read-only and its index is unreadable",
            root.display()
        )
    })?;
    tracing::warn!(index = %root.display(), "the index folder is read-only: serving its index as it is; reindex is unavailable");
    if generation.manifest.files != files {
        tracing::warn!(
            "the corpus changed since the index was built; answers come from the older index"
        );
    }
    Ok(generation)
}

/// Whether a failure to write means the folder is read-only to this process.
fn is_read_only(err: &std::io::Error) -> bool {
    matches!(
        err.kind(),
        std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
    )
}

/// The advisory lock on an index folder, held while building in or tidying it; released
/// when dropped (or when the process dies, so a killed build never leaves it held).
struct BuildLock {
    _file: std::fs::File,
}

impl BuildLock {
    /// Waits for the folder's lock.
    fn acquire(root: &Path) -> std::io::Result<BuildLock> {
        use fs4::fs_std::FileExt;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(root.join(LOCK))?;
        if !FileExt::try_lock_exclusive(&file)? {
            tracing::info!(index = %root.display(), "another process is building this index; waiting for it");
            FileExt::lock_exclusive(&file)?;
        }
        Ok(BuildLock { _file: file })
    }
}

/// Builds a fresh generation from the corpus and makes it current, waiting for any other
/// process building in `root` to finish first.
pub fn build(corpus: &Path, root: &Path) -> anyhow::Result<(Generation, BuildReport)> {
    std::fs::create_dir_all(root)?;
    let _lock = BuildLock::acquire(root)
        .with_context(|| format!("cannot lock the index folder {}", root.display()))?;
    let files = hash_corpus(corpus)?;
    build_locked(corpus, root, files)
}

/// Builds from a corpus whose files hash to `files`; runs with the folder's lock held.
fn build_locked(
    corpus: &Path,
    root: &Path,
    files: Vec<FileHash>,
) -> anyhow::Result<(Generation, BuildReport)> {
    let started = Instant::now();
    let articles = corpus::read_dir(corpus)?;
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let name = format!("gen-{}", stamp.as_nanos());
    let building = root.join(format!(".building-{}", stamp.as_nanos()));
    std::fs::create_dir_all(&building)?;

    let (schema, fields) = Fields::schema();
    let index = Index::create_in_dir(&building, schema)?;
    register_analyzers(&index);
    let mut writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
    let mut summaries = Vec::with_capacity(articles.len());
    for article in &articles {
        summaries.push(add_article(&mut writer, &fields, article)?);
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    let elapsed = started.elapsed();
    let report = BuildReport {
        articles: articles.len(),
        sections: summaries.iter().map(|a| a.sections).sum(),
        passages: summaries.iter().map(|a| a.passages).sum(),
        skipped_files: files.len().saturating_sub(articles.len()),
        elapsed,
    };
    let manifest = Manifest {
        format_version: FORMAT_VERSION,
        built_at: stamp.as_secs(),
        build_ms: elapsed.as_millis() as u64,
        files,
        articles: summaries,
    };
    write_synced(
        &building.join(MANIFEST),
        &serde_json::to_vec_pretty(&manifest)?,
    )?;
    let dir = root.join(&name);
    std::fs::rename(&building, &dir)?;
    make_current(root, &name)?;
    remove_old_generations(root, &dir);
    let generation = Generation::open(&dir, false)?;
    Ok((
        generation,
        BuildReport {
            elapsed: started.elapsed(),
            ..report
        },
    ))
}

/// Indexes one article's passages; returns its summary for the manifest.
fn add_article(
    writer: &mut tantivy::IndexWriter,
    fields: &Fields,
    article: &corpus::Article,
) -> anyhow::Result<ArticleSummary> {
    let sections = chunk::sections(article);
    let url = article.url.clone().unwrap_or_default();
    for (section_ord, section) in sections.iter().enumerate() {
        let texts: Vec<(&str, bool)> = match section.passages.is_empty() {
            // A heading with nothing under it still gets a document, so its anchor exists.
            true => vec![("", false)],
            false => section
                .passages
                .iter()
                .map(|p| (p.text.as_str(), p.item))
                .collect(),
        };
        let mut lead = None;
        for (passage_ord, (body, item)) in texts.into_iter().enumerate() {
            let mut document = doc!(
                fields.slug => article.slug.as_str(),
                fields.title => article.title.as_str(),
                fields.heading => section.heading.as_str(),
                fields.anchor => section.anchor.as_str(),
                fields.body => body,
                fields.words => format!("{} {} {}", article.title, section.heading, body),
                fields.url => url.as_str(),
                fields.section_ord => section_ord as u64,
                fields.passage_ord => passage_ord as u64,
                fields.item => u64::from(item),
                fields.key => passage_key(&article.slug, section_ord as u64, passage_ord as u64),
            );
            match (item, lead) {
                (false, _) => lead = Some(passage_ord as u64),
                (true, Some(lead)) => document.add_u64(fields.lead_ord, lead),
                (true, None) => {}
            }
            writer.add_document(document)?;
        }
    }
    Ok(ArticleSummary {
        slug: article.slug.clone(),
        title: article.title.clone(),
        url: article.url.clone(),
        date: article.date.clone(),
        sections: sections.len(),
        passages: sections.iter().map(|s| s.passages.len()).sum(),
        headings: sections
            .iter()
            .filter(|s| !s.intro)
            .map(|s| s.heading.clone())
            .collect(),
    })
}

/// The term that names one passage.
fn passage_key(slug: &str, section_ord: u64, passage_ord: u64) -> String {
    format!("{slug}/{section_ord}/{passage_ord}")
}

/// Points `CURRENT` at generation `name`, by an atomic rename.
fn make_current(root: &Path, name: &str) -> anyhow::Result<()> {
    write_synced(&root.join(".CURRENT.tmp"), name.as_bytes())?;
    let current = root.join(CURRENT);
    if current.is_dir() {
        std::fs::remove_dir_all(&current)
            .with_context(|| format!("cannot replace {}", current.display()))?;
    }
    std::fs::rename(root.join(".CURRENT.tmp"), &current)
        .with_context(|| format!("cannot write {}", current.display()))?;
    sync_dir(root);
    Ok(())
}

/// The content hash of every corpus file, sorted by name.
pub fn hash_corpus(corpus: &Path) -> anyhow::Result<Vec<FileHash>> {
    corpus::list_files(corpus)?
        .into_iter()
        .map(|path| {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default()
                .to_string();
            Ok(FileHash {
                name,
                sha256: hash_file(&path),
            })
        })
        .collect()
}

/// A file's SHA-256, read a piece at a time. A file too large to be an article is not read:
/// its size stands in for its content (it is skipped, whatever it holds), and an unreadable
/// file hashes as empty.
fn hash_file(path: &Path) -> String {
    let mut hasher = Sha256::new();
    match corpus::open(path) {
        Ok(mut file) => {
            if std::io::copy(&mut file, &mut hasher).is_err() {
                hasher = Sha256::new();
            }
        }
        Err(corpus::SkipReason::TooLarge) => {
            let size = std::fs::metadata(path).map_or(0, |m| m.len());
            tracing::warn!(file = %path.display(), "skipping corpus file: {}", corpus::SkipReason::TooLarge);
            return format!("too-large:{size}");
        }
        Err(_) => {}
    }
    hex(&hasher.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn current_dir(root: &Path) -> Option<PathBuf> {
    let name = std::fs::read_to_string(root.join(CURRENT)).ok()?;
    let name = name.trim();
    let valid = name.starts_with("gen-") && !name.contains(['/', '\\']);
    valid.then(|| root.join(name))
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

fn sync_dir(dir: &Path) {
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

/// Leftovers of builds that were killed before they finished.
fn remove_unfinished(root: &Path) {
    for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(".building-")
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

fn remove_old_generations(root: &Path, keep: &Path) {
    for entry in std::fs::read_dir(root).into_iter().flatten().flatten() {
        let path = entry.path();
        if !entry.file_name().to_string_lossy().starts_with("gen-") || path == keep {
            continue;
        }
        if let Err(err) = std::fs::remove_dir_all(&path) {
            tracing::warn!(dir = %path.display(), "could not remove an old index: {err}");
        }
    }
}
