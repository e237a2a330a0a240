// Package mcpcmd adds `caddy mcp` to the Caddy command line:
//
//	caddy mcp search [--config FILE | --source LOC ...] [--explain] [--limit N] QUERY
//	caddy mcp index  [--config FILE | --source LOC ...] [--pages]
//
// search prints the ranked sections a model would get for QUERY; index
// prints what the sources hold (pages, sections, sizes) and what is wrong
// with them, and exits non-zero when a source fails to load, so a docs
// repository can check its docs in CI before deploying them. Both load the
// sources the way the server does, without starting a server.
package mcpcmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"

	"github.com/caddy-mcp/caddy-mcp/caddymcp/source"
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "mcp",
		Short: "Search and check the documentation an mcp handler serves",
		Long: `
Works on the sources of an mcp handler without starting a server: either
those of the first mcp handler in a config file (--config), or sources given
with --source (a file, directory or URL; repeat for several, in priority
order).

  caddy mcp search --source public/index.json "reverse proxy headers"
  caddy mcp index --source content/ --source https://example.com/llms.txt
`,
		CobraFunc: func(cmd *cobra.Command) {
			cmd.AddCommand(searchCommand(), indexCommand())
		},
	})
}

// loadTimeout bounds loading all sources (remote ones included).
const loadTimeout = 2 * time.Minute

func addSourceFlags(c *cobra.Command) {
	c.Flags().StringP("config", "c", "", "Config file (Caddyfile or JSON) whose first mcp handler's sources are used")
	c.Flags().String("adapter", "", "Config adapter (default: caddyfile unless the file ends in .json)")
	c.Flags().StringArrayP("source", "s", nil, "Source location: file, directory or URL (repeatable)")
}

func searchCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "search [--config FILE | --source LOC ...] [--explain] [--limit N] QUERY",
		Short: "Prints the ranked sections a search finds (and why, with --explain)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			specs, err := specsFromFlags(c)
			if err != nil {
				return err
			}
			limit, _ := c.Flags().GetInt("limit")
			explain, _ := c.Flags().GetBool("explain")
			ctx, cancel := context.WithTimeout(c.Context(), loadTimeout)
			defer cancel()
			return runSearch(ctx, c.OutOrStdout(), specs, joinArgs(args), searchOptions{Limit: limit, Explain: explain})
		},
	}
	addSourceFlags(c)
	c.Flags().IntP("limit", "n", 10, "Maximum number of results")
	c.Flags().Bool("explain", false, "Show why each result ranks where it does: score parts, and per query term the score of each field")
	return c
}

func indexCommand() *cobra.Command {
	c := &cobra.Command{
		Use:   "index [--config FILE | --source LOC ...] [--pages]",
		Short: "Prints pages, sections, sizes and warnings; fails when a source does not load",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			specs, err := specsFromFlags(c)
			if err != nil {
				return err
			}
			pages, _ := c.Flags().GetBool("pages")
			ctx, cancel := context.WithTimeout(c.Context(), loadTimeout)
			defer cancel()
			failed := runIndex(ctx, c.OutOrStdout(), specs, pages)
			if failed > 0 {
				// Non-zero exit, for CI; the report already names the failures.
				c.SilenceUsage = true
				return fmt.Errorf("%d of %d sources failed to load", failed, len(specs))
			}
			return nil
		},
	}
	addSourceFlags(c)
	c.Flags().Bool("pages", false, "Also list every page: characters, sections, id and title")
	return c
}

func joinArgs(args []string) string {
	q := ""
	for i, a := range args {
		if i > 0 {
			q += " "
		}
		q += a
	}
	return q
}

// errNoSources is returned when neither --config nor --source is given.
var errNoSources = errors.New("no sources: give --config FILE or at least one --source LOCATION")

func specsFromFlags(c *cobra.Command) (specs []source.Spec, err error) {
	c.SilenceUsage = true
	cfg, _ := c.Flags().GetString("config")
	adapter, _ := c.Flags().GetString("adapter")
	locs, _ := c.Flags().GetStringArray("source")
	switch {
	case cfg != "" && len(locs) > 0:
		return nil, errors.New("give either --config or --source, not both")
	case cfg != "":
		b, err := os.ReadFile(cfg)
		if err != nil {
			return nil, err
		}
		return specsFromConfig(cfg, adapter, b)
	case len(locs) > 0:
		return specsFromLocations(locs), nil
	}
	return nil, errNoSources
}

// out writes formatted text, ignoring errors (a closed stdout is not ours
// to report).
func out(w io.Writer, format string, args ...any) { _, _ = fmt.Fprintf(w, format, args...) }
