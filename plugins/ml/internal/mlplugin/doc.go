// Package mlplugin is the ml plugin: it trains models on an organization's
// data — linear regression, logistic regression, k-means and a band
// anomaly detector for metric time series (internal/models, on gonum) —
// registers them with their metrics and versions, and serves predictions.
//
// Training is the "train" job: it reads the rows of a dataset (or of the
// organization's event history), trains while emitting
// ml.training.progress after every epoch (epoch, loss, metric, elapsed;
// at most 20 a second, then a final one with the outcome), and, unless
// cancelled or failed, registers the model in the plugin's state as the
// next version of its name and emits ml.model.update. A cancelled training
// stops within a pass over the data and registers nothing.
//
// The "predict" action applies a model to one row or a batch and emits
// ml.prediction.result. An anomaly model given a live source (an event
// type and a numeric field of its data) is watched: every new event of
// that type is checked against the band, and an alert event is raised
// when the metric leaves the band (once per excursion). The "observe"
// action feeds values to the same check directly.
//
// One Plugin serves every organization concurrently and is safe for
// concurrent use: each organization has its own watcher and registry lock.
package mlplugin
