//! report.html (docs/artifacts.md): snapshots of the pod example's drawings, the campus
//! page's contents and self-containment, the 10k campus's size, and a real browser:
//! headless Chromium renders the campus page to a PNG under target/report-html/ that must
//! not be blank, with no console message and no network request.

use std::path::{Path, PathBuf};
use std::process::Command;

fn page(spec: &str) -> String {
    let checked = fabric_cli::check_file(Path::new(spec)).unwrap();
    assert!(!checked.has_errors(), "{spec} has errors");
    fabric_emit::html::build(&checked.db, checked.project)
}

/// Every `<svg …>…</svg>` of a page, in order.
fn drawings(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<svg") {
        let end = rest[start..].find("</svg>").map(|e| start + e + "</svg>".len()).unwrap();
        out.push(&rest[start..end]);
        rest = &rest[end..];
    }
    out
}

/// What in a page could make the browser fetch something: every URL that is not the SVG
/// namespace, and every element or CSS rule that loads a resource.
fn external_references(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let without_namespace = html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for needle in ["http://", "https://", "//cdn", "src=", "<link", "<script", "@import", "url(", "<iframe", "<object", "<embed"] {
        if without_namespace.contains(needle) {
            found.push(needle.to_string());
        }
    }
    // Links stay inside the page.
    for part in without_namespace.split("href=\"").skip(1) {
        if !part.starts_with('#') {
            found.push(format!("href=\"{}", &part[..part.find('"').unwrap_or(part.len())]));
        }
    }
    found
}

#[test]
fn pod_drawings_match_their_snapshots() {
    let html = page("../examples/pod.fabric");
    let pieces = drawings(&html);
    assert!(pieces.len() >= 6, "{} drawings", pieces.len());
    insta::with_settings!({ snapshot_path => "snapshots", prepend_module_to_snapshot => false, omit_expression => true }, {
        insta::assert_snapshot!("report-html-pod-drawings", pieces.join("\n\n"));
    });
}

#[test]
fn campus_page_is_complete_self_contained_and_deterministic() {
    let html = page("../examples/campus.fabric");
    assert_eq!(html, page("../examples/campus.fabric"), "two builds differ");
    assert!(drawings(&html).len() > 10, "{} drawings", drawings(&html).len());
    for id in [
        "id=\"campus-map\"",
        "id=\"hall-campus_b1_h1\"",
        "id=\"hall-campus_b2_h1\"",
        "id=\"racks\"",
        "id=\"fabric-scaleout\"",
        "id=\"fabric-b2_scaleout\"",
        "id=\"service-agents\"",
        "id=\"training-post_train\"",
        "id=\"scenarios\"",
    ] {
        assert!(html.contains(id), "no {id}");
    }
    assert!(html.contains("TPOT and throughput against batch") && html.contains("test-time scaling"), "service charts");
    assert!(html.contains("step time, part by part"), "training chart");
    assert!(html.contains("b1_b2_south: 2.6 km"), "both campus links with their figures");
    assert_eq!(external_references(&html), Vec::<String>::new());
    links_stay_on_the_page(&html);
    // A spec without training jobs or scenarios links to no such sections.
    let pod = page("../examples/pod.fabric");
    links_stay_on_the_page(&pod);
    assert!(!pod.contains("href=\"#training\"") && !pod.contains("href=\"#scenarios\""));
}

/// Every link of a page goes to an element of the page, and no id is used twice.
fn links_stay_on_the_page(html: &str) {
    for part in html.split("href=\"#").skip(1) {
        let id = &part[..part.find('"').unwrap()];
        assert!(html.contains(&format!("id=\"{id}\"")), "link to #{id}, which is not on the page");
    }
    let mut ids: Vec<&str> = html.split(" id=\"").skip(1).map(|p| &p[..p.find('"').unwrap()]).collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "an id is used twice");
}

#[test]
fn ten_thousand_gpus_group_into_a_small_page() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("campus-10k.fabric");
    let generated = Command::new("../scripts/gen-campus").arg("10000").output().unwrap();
    assert!(generated.status.success());
    std::fs::write(&spec, generated.stdout).unwrap();
    let html = page(spec.to_str().unwrap());
    assert!(html.len() < 2_000_000, "{} bytes", html.len());
    // Identical racks are drawn once: a handful of elevations stand for 168 racks, and
    // none is left out for want of room.
    let elevations = html.matches("aria-label=\"elevation of").count();
    assert!((2..=10).contains(&elevations), "{elevations} elevations");
    assert!(!html.contains("more distinct racks are not drawn"));
    let header = &html[..html.find(" racks,").unwrap()];
    let total: usize = header[header.rfind(", ").unwrap() + 2..].replace(',', "").parse().unwrap();
    let racks: usize =
        html.split("</code> and ").skip(1).map(|p| p[..p.find(' ').unwrap()].replace(',', "").parse::<usize>().unwrap()).sum::<usize>()
            + elevations;
    assert_eq!(racks, total, "every rack, generated ones included, stands in one elevation's count");
}

fn chromium() -> PathBuf {
    let path = PathBuf::from("/usr/bin/chromium");
    assert!(path.exists(), "Debian's chromium is missing: ./scripts/test installs it (apt-get install chromium)");
    path
}

/// Renders `html` headless to `png` with every host unresolvable, and returns the console
/// messages Chromium logged and the URLs the page asked for (from Chromium's net log,
/// without the browser's own update and account checks).
fn render(html: &Path, png: &Path) -> Vec<String> {
    let profile = tempfile::tempdir().unwrap();
    let netlog = profile.path().join("netlog.json");
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
            "--hide-scrollbars",
            "--window-size=1400,9000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--log-net-log={}", netlog.display()))
        .arg(format!("file://{}", html.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    let mut logged: Vec<String> =
        String::from_utf8_lossy(&out.stderr).lines().filter(|l| l.contains(":CONSOLE")).map(str::to_string).collect();
    let log = std::fs::read_to_string(&netlog).unwrap_or_default();
    let browser_own = ["google.com/", "googleapis.com/", "gstatic.com/"];
    let mut urls: Vec<String> = log
        .split("\"url\":\"")
        .skip(1)
        .map(|p| p[..p.find('"').unwrap_or(p.len())].to_string())
        .filter(|u| !u.starts_with("file://") && !u.starts_with("data:") && !browser_own.iter().any(|h| u.contains(h)))
        .map(|u| format!("request: {u}"))
        .collect();
    urls.sort();
    urls.dedup();
    logged.extend(urls);
    logged
}

/// Distinct colours of a PNG.
fn colours(png: &Path) -> usize {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let bytes = info.color_type.samples();
    let mut seen: std::collections::BTreeSet<&[u8]> = std::collections::BTreeSet::new();
    for px in buf[..info.buffer_size()].chunks(bytes) {
        seen.insert(px);
        if seen.len() > 64 {
            break;
        }
    }
    seen.len()
}

#[test]
fn headless_chromium_renders_the_campus_page_without_errors() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/report-html");
    std::fs::create_dir_all(&dir).unwrap();
    let dir = std::fs::canonicalize(dir).unwrap();
    let html = dir.join("campus.html");
    std::fs::write(&html, page("../examples/campus.fabric")).unwrap();
    let png = dir.join("campus.png");
    let _ = std::fs::remove_file(&png);
    let logged = render(&html, &png);
    assert_eq!(logged, Vec::<String>::new(), "console messages or failed requests");
    assert!(colours(&png) > 16, "the screenshot is (nearly) blank");
    // The harness sees a console error and a request where a page has them.
    let bad = dir.join("control.html");
    std::fs::write(&bad, "<!DOCTYPE html><p>x</p><script>console.error('boom')</script><img src=\"https://cdn.example.com/x.png\">")
        .unwrap();
    let logged = render(&bad, &dir.join("control.png"));
    assert!(logged.iter().any(|l| l.contains("boom")), "{logged:?}");
    assert!(logged.iter().any(|l| l == "request: https://cdn.example.com/x.png"), "{logged:?}");
}

#[test]
fn an_over_limit_rack_stands_out_with_its_diagnostic() {
    let checked = fabric_cli::check_file(Path::new("../examples/errors/E0401-gb300-rack-over-132kw.fabric")).unwrap();
    let html = fabric_emit::html::build(&checked.db, checked.project);
    // Red in the floor plan, listed under it with a link to its E0401 below.
    assert!(html.contains("fill=\"#d7301f\""), "no rack drawn over its limit");
    assert!(html.contains("Over their limit: <code>campus.b1.h1.r1.k[1]</code> (<a href=\"#diagnostic-0\">E0401</a>)"));
    assert!(html.contains("<li id=\"diagnostic-0\" class=\"bad\"><a href=\"#hall-campus_b1_h1\">error[E0401]</a>"));
}
