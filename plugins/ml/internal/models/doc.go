// Package models trains and applies the ml plugin's models with gonum:
// linear and logistic regression (L-BFGS from gonum/optimize over
// standardized features, with optional L2), k-means (Lloyd's iterations
// from k-means++ seeds) and a band detector for metric time series
// (a robust center and spread, iterated until the set of points inside
// the band no longer changes).
//
// Training calls an EpochFunc after every epoch — an L-BFGS major
// iteration, a Lloyd pass, a trimming pass — with the epoch's loss, its
// metric and the time elapsed; every epoch is one or more full passes over
// the training rows, so the numbers are the model's real state. Training
// checks its context between passes and every few thousand rows within a
// pass, and returns the context's error once it is cancelled, with no
// model.
//
// Trained models are plain values, encoded as JSON for the plugin's state,
// and safe for concurrent use once built.
package models
