// Package cli is the switchyard command: serve, migrate, admin and
// version (and, for publishers, plugin). Each subcommand reads the same
// configuration (environment variables, mirrored by flags) and builds what
// it needs through core/app.
package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/switchyard/switchyard/core/app"
	"github.com/switchyard/switchyard/core/config"
	"github.com/switchyard/switchyard/core/version"
	"github.com/switchyard/switchyard/web"
)

// Execute runs the command line and returns the process exit code.
func Execute(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	root := newRoot(stdout, stderr)
	root.SetArgs(args)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(stderr, "switchyard:", err)
		return 1
	}
	return 0
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "switchyard",
		Short:         "Self-hosted, plugin-based, multi-tenant real-time platform",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(serveCmd(), migrateCmd(), adminCmd(), versionCmd())
	root.AddCommand(pluginCmd())
	return root
}

// loadConfig reads the environment and binds the flags over it.
func loadConfig(cmd *cobra.Command) *config.Config {
	cfg, err := config.Load()
	if err != nil {
		// Malformed variables are reported by Validate through the same
		// path as every other setting.
		cfg = config.Default()
		cmd.PrintErrln("switchyard:", err)
	}
	c := cfg
	config.BindFlags(cmd.Flags(), &c)
	return &c
}

func newLogger(cfg *config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(strings.ToUpper(cfg.LogLevel)))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func serveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the server (migrates the database first)",
		Args:  cobra.NoArgs,
	}
	cfg := loadConfig(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		log := newLogger(cfg, cmd.ErrOrStderr())
		a, err := app.New(cmd.Context(), *cfg, log, app.Options{Web: web.DistFS()})
		if err != nil {
			return err
		}
		return a.Run(cmd.Context())
	}
	return cmd
}

func migrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply pending database migrations (or list them with --status)",
		Args:  cobra.NoArgs,
	}
	cfg := loadConfig(cmd)
	status := cmd.Flags().Bool("status", false, "list migrations and whether each is applied")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		log := newLogger(cfg, cmd.ErrOrStderr())
		if *status {
			return printStatus(cmd, cfg)
		}
		a, err := app.New(cmd.Context(), *cfg, log, app.Options{})
		if err != nil {
			return err
		}
		defer a.Close()
		fmt.Fprintf(cmd.OutOrStdout(), "database (%s) is up to date\n", a.DB.Engine)
		return nil
	}
	return cmd
}

func versionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			v := version.Get()
			fmt.Fprintf(cmd.OutOrStdout(), "switchyard %s (commit %s, %s)\n", v.Version, v.Commit, v.GoVersion)
		},
	}
}

// readSecret returns flag value, or the first line of stdin when it is "-".
func readSecret(cmd *cobra.Command, v string) (string, error) {
	if v != "-" {
		return v, nil
	}
	b, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), 4096))
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimRight(line, "\r"), nil
}
