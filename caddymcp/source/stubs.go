package source

import (
	"fmt"
	"io"
)

func loadMarkdown(spec Spec) ([]Page, error) { return nil, fmt.Errorf("source %s: markdown not implemented yet", spec) }
func loadSiteRoot(spec Spec) ([]Page, error) { return nil, fmt.Errorf("source %s: site_root not implemented yet", spec) }

// ParseLLMSTxt parses an llms.txt or llms-full.txt file.
func ParseLLMSTxt(r io.Reader, spec Spec) ([]Page, error) {
	return nil, fmt.Errorf("source %s: llms_txt not implemented yet", spec)
}
