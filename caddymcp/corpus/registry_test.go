package corpus

import (
	"slices"
	"testing"
)

// TestLabels: a label finds the corpus while any of its users holds it, so
// a config reload (new handler labels, then the old one lets go) keeps it.
func TestLabels(t *testing.T) {
	c := openRemote(t, newSite(t, indexJSON(2, "a")), func(o *Options) { o.Name = "labels-test" })
	first := c.AddLabel("Widget Docs")
	second := c.AddLabel("Widget Docs") // the next config of the same site
	other := c.AddLabel("Other Site")
	if got := c.Labels(); !slices.Equal(got, []string{"Other Site", "Widget Docs"}) {
		t.Fatalf("labels %q", got)
	}
	if got := c.Status().Labels; !slices.Equal(got, []string{"Other Site", "Widget Docs"}) {
		t.Fatalf("status labels %q", got)
	}
	first()
	first() // idempotent: must not drop the second use
	if l := Lookup("Widget Docs"); len(l) != 1 || l[0] != c {
		t.Fatalf("Lookup by label after one release = %v", l)
	}
	second()
	other()
	if l := Lookup("Widget Docs"); len(l) != 0 {
		t.Fatalf("Lookup by a released label = %v", l)
	}
	if len(c.Labels()) != 0 {
		t.Fatalf("labels left: %q", c.Labels())
	}
	if l := Lookup("labels-test"); len(l) != 1 || l[0] != c {
		t.Fatalf("Lookup by name = %v", l)
	}
}
