// Command analytics is Switchyard's analytics plugin: aggregations over an
// organization's datasets, event stream and usage, dashboard panels with
// live updates (analytics.update) and usage metrics (metrics.update). The
// core starts it; see internal/analyticsplugin for what it does,
// internal/query for the query model and internal/table for the column
// store.
package main

import (
	"fmt"
	"os"

	"github.com/switchyard/switchyard/plugins/analytics/internal/analyticsplugin"
	"github.com/switchyard/switchyard/sdk"
)

func main() {
	if err := sdk.Serve(analyticsplugin.New(analyticsplugin.Options{})); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
