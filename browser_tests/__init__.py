"""Both twins' admin and home page in a real browser (Playwright driving Debian's Chromium)."""
