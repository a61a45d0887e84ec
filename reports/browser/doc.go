// Package browser holds the report's browser test, browser_test.go: it
// builds the default run (the embedded demo region) through the real
// pipeline and opens every page of its report in the system's headless
// Chromium, driven by chromedp, at 1280 and 390 pixels wide — console
// errors, failed loads, horizontal overflow, charts visible, print layout
// — and runs axe-core in each page, failing on serious or critical
// accessibility violations. It writes screenshots of the region page and
// a place page as test artefacts.
//
// Chromium is Debian's chromium package; axe-core is installed from npm at
// test time. Where either is missing the test skips, except under CI
// (CI set), where it fails: .ci/run installs both.
package browser
