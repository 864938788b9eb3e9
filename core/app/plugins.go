package app

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/switchyard/switchyard/core/events"
	"github.com/switchyard/switchyard/core/jobs"
	"github.com/switchyard/switchyard/core/marketplace"
	"github.com/switchyard/switchyard/core/pluginhost"
	"github.com/switchyard/switchyard/sdk/grpcplugin"
	"github.com/switchyard/switchyard/sdk/outbound"
	"github.com/switchyard/switchyard/tenants"
)

// newPlugins builds the plugin platform — jobs, the plugin host and the
// marketplace — and registers every installation, whose processes start in
// the background.
func (a *App) newPlugins(ctx context.Context) error {
	cfg := a.Config
	a.Jobs = jobs.New(a.DB, a.Log.With("component", "jobs"), a.replica)
	host, err := pluginhost.New(pluginhost.Config{
		DataDir:       filepath.Join(cfg.DataDir, "plugin-data"),
		FilesDir:      filepath.Join(cfg.DataDir, "files"),
		OutboundAllow: cfg.OutboundAllow,
	}, pluginhost.Deps{DB: a.DB, Events: a.Events, Jobs: a.Jobs, Log: a.Log, Registry: a.Registry,
		History: a.Journal, Sockets: a.Hub.Count, JobCounts: a.Jobs, SubmitJob: a.submitJob})
	if err != nil {
		return err
	}
	a.Plugins = host
	a.Jobs.SetRunner(host)
	policy, err := outbound.Parse(cfg.OutboundAllow)
	if err != nil {
		return fmt.Errorf("SWITCHYARD_OUTBOUND_ALLOW: %w", err)
	}
	a.Market, err = marketplace.New(marketplace.Config{
		Catalog: cfg.Catalog, PluginDir: cfg.PluginPath(), DataDir: cfg.DataDir,
		TrustedKeys: cfg.TrustedKeys, Outbound: policy,
	}, marketplace.Deps{
		DB: a.DB, Host: host, Events: a.Events, Log: a.Log,
		Quota: func(o *tenants.Organization) int { return o.Quotas(a.Tenants.DefaultQuotas()).Plugins },
		OnChange: func(orgID, name string) {
			a.publishControl(events.TopicPluginChanged, pluginChanged{Origin: a.replica, OrgID: orgID, Name: name})
		},
	})
	if err != nil {
		return err
	}
	// Installations changed on other replicas are brought in line here.
	if _, err := a.Bus.Subscribe(events.TopicPluginChanged, func(raw []byte) {
		var p pluginChanged
		if json.Unmarshal(raw, &p) != nil || p.Origin == a.replica || !grpcplugin.ValidPluginName(p.Name) {
			return
		}
		go a.Market.Sync(context.Background(), p.OrgID, p.Name)
	}); err != nil {
		return err
	}
	a.onOrgChange = append(a.onOrgChange, func(orgID string, kind tenants.ChangeKind) {
		if kind == tenants.OrgDeleted {
			go a.Market.OrgDeleted(context.Background(), orgID)
		}
	})
	return a.Market.Start(ctx)
}

// pluginChanged tells the other replicas that an installation changed.
type pluginChanged struct {
	Origin string `json:"origin"`
	OrgID  string `json:"org_id"`
	Name   string `json:"name"`
}

// stopPlugins stops every plugin process, letting each end its jobs (they
// become failed-and-retryable). It runs before the database closes.
func (a *App) stopPlugins() error {
	if a.Plugins == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), a.Config.ShutdownTimeout)
	defer cancel()
	return a.Plugins.Shutdown(ctx)
}

// submitJob starts a job a plugin asked for itself (a schedule): as the
// system, unless the platform suspended the organization.
func (a *App) submitJob(ctx context.Context, t grpcplugin.Tenant, plugin, kind string, input json.RawMessage, createdBy string) (string, error) {
	org, err := a.Resolver.ByID(ctx, t.ID)
	if err != nil {
		return "", fmt.Errorf("%w: %v", grpcplugin.ErrNotFound, err)
	}
	if org.Suspended() {
		return "", fmt.Errorf("%w: organization %s is suspended", grpcplugin.ErrPermission, org.Slug)
	}
	j, err := a.Jobs.Start(ctx, jobs.StartRequest{Tenant: t, Plugin: plugin, Kind: kind, Input: input, CreatedBy: createdBy})
	if err != nil {
		return "", err
	}
	return j.ID, nil
}

// keepJobs runs when this process starts serving (a command such as
// `switchyard migrate` builds an App too, and must leave a running
// server's jobs alone). Jobs are bound to the process that launched them,
// whose plugin processes run them: on one node, every unfinished job of an
// earlier process is failed as retryable at once (that process is gone);
// replicas sharing NATS and the database fail only those of a replica
// whose lease lapsed, now and while they serve.
func (a *App) keepJobs(ctx context.Context) {
	if a.nc == nil {
		if n, err := a.Jobs.RecoverInterrupted(ctx); err != nil {
			a.Log.Error("jobs interrupted by the previous shutdown not recovered", "error", err)
		} else if n > 0 {
			a.Log.Warn("jobs interrupted by the previous shutdown are marked failed and retryable", "jobs", n)
		}
	}
	a.bgWG.Add(1)
	go func() {
		defer a.bgWG.Done()
		a.Jobs.KeepAlive(a.bg)
	}()
}
