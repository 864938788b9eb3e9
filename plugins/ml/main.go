// Command ml is Switchyard's machine-learning plugin: it trains linear and
// logistic regressions, k-means and anomaly detectors on an organization's
// datasets or event history (as jobs reporting every epoch), registers the
// models with their metrics and versions, serves predictions and raises
// alerts when a watched metric leaves its band. The core starts it; see
// internal/mlplugin for the plugin and internal/models for the numerics.
package main

import (
	"fmt"
	"os"

	"github.com/switchyard/switchyard/plugins/ml/internal/mlplugin"
	"github.com/switchyard/switchyard/sdk"
)

func main() {
	if err := sdk.Serve(mlplugin.New(mlplugin.Options{})); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
