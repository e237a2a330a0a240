package caddymcp

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's chromium. Without it the browser test skips
// on a developer machine, and fails in CI (env CI set), where .ci/run
// installs it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("chromium is not installed (CI is set: .ci/run installs the Debian package `chromium`)")
	}
	t.Skip("chromium is not installed: `apt-get install chromium` to run the browser test of the landing page")
	return ""
}

// TestLandingInChromium loads the landing page in headless Chromium,
// submits a search through the form (no JavaScript on the page), checks
// the results and that the CSP let the page's style apply. With
// UPDATE_SCREENSHOT=1 it rewrites docs/landing.png, the README screenshot.
func TestLandingInChromium(t *testing.T) {
	chrome := chromiumPath(t)
	s := newSiteDir(t)
	hugo, ferr := filepath.Abs("../testdata/hugo/index.json")
	if ferr != nil {
		t.Fatal(ferr)
	}
	s.port = freePort(t)
	load(t, s.caddyfile(false, "mcp {\n\t\tsource "+hugo+"\n\t\tname hugo-docs\n\t}", ""))
	t.Cleanup(func() { _ = caddy.Stop() })

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chrome),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1000, 1400),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelA()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancelT := context.WithTimeout(ctx, 60*time.Second)
	defer cancelT()
	var err error

	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("chromium: %s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		must(sel, err)
		return strings.TrimSpace(v)
	}
	must("load", chromedp.Do(ctx, chromedp.Navigate(s.base+"/mcp"), chromedp.WaitVisible(chromedp.CSS("h1"))))
	heading, indexed := text("h1"), text("#indexed")
	maxWidth, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.body).maxWidth`))
	must("style", err)
	must("search", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name=q]`), "shortcode templates"),
		chromedp.Submit(chromedp.CSS(`input[name=q]`)),
		chromedp.WaitVisible(chromedp.CSS("#summary")),
	))
	summary, firstHit := text("#summary"), text("ol.hits li a")
	href, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("ol.hits li a"), "href"))
	must("href", err)
	firstHref := href.Value
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	must("screenshot", err)
	if heading != "hugo-docs" || !strings.Contains(indexed, "716 pages") {
		t.Errorf("heading %q, indexed %q", heading, indexed)
	}
	if maxWidth != "832px" {
		t.Errorf("body max-width %q: the CSP blocked the page's style?", maxWidth)
	}
	if !strings.Contains(summary, `for “shortcode templates”`) || !strings.Contains(firstHit, "Shortcode templates") ||
		!strings.HasPrefix(firstHref, "https://gohugo.io/templates/shortcode/") {
		t.Errorf("search: summary %q, first hit %q -> %q", summary, firstHit, firstHref)
	}
	if os.Getenv("UPDATE_SCREENSHOT") != "" {
		if err := os.WriteFile("../docs/landing.png", smallPNG(t, png), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// smallPNG re-encodes a screenshot with a palette of its 64 most frequent
// colours (text antialiasing maps to the nearest), to keep the committed
// image small.
func smallPNG(t *testing.T, b []byte) []byte {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[color.RGBA]int{}
	r := img.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			counts[color.RGBAModel.Convert(img.At(x, y)).(color.RGBA)]++
		}
	}
	colors := make([]color.RGBA, 0, len(counts))
	for c := range counts {
		colors = append(colors, c)
	}
	sort.Slice(colors, func(i, j int) bool { return counts[colors[i]] > counts[colors[j]] })
	pal := make(color.Palette, 0, 64)
	for _, c := range colors[:min(64, len(colors))] {
		pal = append(pal, c)
	}
	out := image.NewPaletted(r, pal)
	draw.Draw(out, r, img, r.Min, draw.Src)
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, out); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
