//! The README quotes the demo: every ```rust,ignore block that starts with
//! `// from <file>` must appear, line for line, in that file.

#[test]
fn readme_excerpts_match_the_files_they_quote() {
    let root = demo::app_root();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut checked = 0;
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "```rust,ignore" {
            continue;
        }
        let block: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
        let Some(file) = block.first().and_then(|l| l.strip_prefix("// from ")) else {
            continue;
        };
        let text = std::fs::read_to_string(root.join(file.trim()))
            .unwrap_or_else(|e| panic!("README quotes {file}, which cannot be read: {e}"));
        let excerpt = block[1..].join("\n");
        assert!(
            text.contains(&excerpt),
            "README's excerpt of {file} is not in the file any more:\n{excerpt}"
        );
        checked += 1;
    }
    assert!(checked >= 8, "only {checked} excerpts found");
}
