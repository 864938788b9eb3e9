package cli

import (
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/switchyard/switchyard/core/app"
	"github.com/switchyard/switchyard/core/auth"
	"github.com/switchyard/switchyard/core/config"
	"github.com/switchyard/switchyard/core/store"
)

func adminCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "admin", Short: "Operator tasks: users and platform API keys"}
	cmd.AddCommand(createUserCmd(), createKeyCmd())
	return cmd
}

func createUserCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create-user",
		Short: "Create a user (optionally a platform admin), or promote an existing one",
		Args:  cobra.NoArgs,
	}
	cfg := loadConfig(cmd)
	email := cmd.Flags().String("email", "", "email address (required)")
	password := cmd.Flags().String("password", "", `password, or "-" to read it from stdin (required for a new user)`)
	name := cmd.Flags().String("name", "", "display name (default: the email's local part)")
	admin := cmd.Flags().Bool("platform-admin", false, "grant the platform admin role")
	_ = cmd.MarkFlagRequired("email")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		a, err := app.New(cmd.Context(), *cfg, newLogger(cfg, cmd.ErrOrStderr()), app.Options{})
		if err != nil {
			return err
		}
		defer a.Close()
		ctx := cmd.Context()
		if existing, err := a.Auth.UserByEmail(ctx, *email); err == nil {
			if !*admin {
				return fmt.Errorf("%s already exists", existing.Email)
			}
			if err := a.Auth.SetPlatformAdmin(ctx, existing.ID, true); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s is now a platform admin (id %s)\n", existing.Email, existing.ID)
			return nil
		} else if !errors.Is(err, auth.ErrNotFound) {
			return err
		}
		pw, err := readSecret(cmd, *password)
		if err != nil {
			return err
		}
		display := *name
		if display == "" {
			display = localPart(*email)
		}
		u, err := a.Auth.CreateUser(ctx, *email, pw, display, *admin)
		if err != nil {
			return describe(err)
		}
		role := "user"
		if u.PlatformAdmin {
			role = "platform admin"
		}
		fmt.Fprintf(cmd.OutOrStdout(), "created %s %s (id %s)\n", role, u.Email, u.ID)
		return nil
	}
	return cmd
}

func createKeyCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create-key",
		Short: "Create a platform API key (admin API and /metrics); the key is printed once",
		Args:  cobra.NoArgs,
	}
	cfg := loadConfig(cmd)
	name := cmd.Flags().String("name", "platform", "a name to recognize the key by")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		a, err := app.New(cmd.Context(), *cfg, newLogger(cfg, cmd.ErrOrStderr()), app.Options{})
		if err != nil {
			return err
		}
		defer a.Close()
		_, secret, err := a.Auth.CreateAPIKey(cmd.Context(), auth.NewAPIKey{Name: *name, CreatedBy: "cli"})
		if err != nil {
			return describe(err)
		}
		fmt.Fprintln(cmd.OutOrStdout(), secret)
		return nil
	}
	return cmd
}

func printStatus(cmd *cobra.Command, cfg *config.Config) error {
	db, err := store.Open(cmd.Context(), store.Options{URL: cfg.DatabaseURL, DataDir: cfg.DataDir})
	if err != nil {
		return err
	}
	defer db.Close()
	states, err := db.MigrationStatus(cmd.Context())
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "VERSION\tAPPLIED\tNAME")
	for _, s := range states {
		applied := "pending"
		if s.Applied {
			applied = s.AppliedAt.UTC().Format("2006-01-02 15:04:05")
		}
		fmt.Fprintf(w, "%d\t%s\t%s\n", s.Version, applied, s.Name)
	}
	return w.Flush()
}

func describe(err error) error {
	var fe *auth.FieldError
	if errors.As(err, &fe) {
		return fmt.Errorf("--%s %s", fe.Field, fe.Message)
	}
	return err
}

func localPart(email string) string {
	for i := range len(email) {
		if email[i] == '@' {
			return email[:i]
		}
	}
	return email
}
