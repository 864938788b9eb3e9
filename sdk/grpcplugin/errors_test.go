package grpcplugin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestErrorRoundTrip(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		sentinel   error
		code       Code
		grpcCode   codes.Code
		httpStatus int
		source     Source
	}{
		{"invalid input", fmt.Errorf("field x: %w", ErrInvalidInput), ErrInvalidInput, CodeInvalidInput, codes.InvalidArgument, http.StatusBadRequest, SourcePlugin},
		{"not found", fmt.Errorf("dataset %q: %w", "a", ErrNotFound), ErrNotFound, CodeNotFound, codes.NotFound, http.StatusNotFound, SourcePlugin},
		{"permission", ErrPermission, ErrPermission, CodePermission, codes.PermissionDenied, http.StatusForbidden, SourcePlugin},
		{"conflict", fmt.Errorf("x: %w", ErrConflict), ErrConflict, CodeConflict, codes.Aborted, http.StatusConflict, SourcePlugin},
		{"exhausted", fmt.Errorf("quota: %w", ErrResourceExhausted), ErrResourceExhausted, CodeResourceExhausted, codes.ResourceExhausted, http.StatusTooManyRequests, SourcePlugin},
		{"unavailable downstream", WithSource(fmt.Errorf("source down: %w", ErrUnavailable), SourceDownstream), ErrUnavailable, CodeUnavailable, codes.Unavailable, http.StatusServiceUnavailable, SourceDownstream},
		{"unimplemented", ErrUnimplemented, ErrUnimplemented, CodeUnimplemented, codes.Unimplemented, http.StatusNotImplemented, SourcePlugin},
		{"plain error is internal", errors.New("boom"), ErrInternal, CodeInternal, codes.Internal, http.StatusInternalServerError, SourcePlugin},
		{"canceled", fmt.Errorf("wait: %w", context.Canceled), context.Canceled, CodeCanceled, codes.Canceled, 499, SourcePlugin},
		{"deadline", context.DeadlineExceeded, context.DeadlineExceeded, CodeDeadlineExceeded, codes.DeadlineExceeded, http.StatusGatewayTimeout, SourcePlugin},
		{"NewError", NewError(CodeNotFound, "no such job"), ErrNotFound, CodeNotFound, codes.NotFound, http.StatusNotFound, SourcePlugin},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wire := ToStatus(tc.err)
			st, ok := status.FromError(wire)
			if !ok || st.Code() != tc.grpcCode {
				t.Fatalf("gRPC code = %v, want %v", st.Code(), tc.grpcCode)
			}
			got := FromStatus(wire)
			if got.Error() != tc.err.Error() {
				t.Errorf("message = %q, want %q", got.Error(), tc.err.Error())
			}
			if CodeOf(got) != tc.code {
				t.Errorf("code = %q, want %q", CodeOf(got), tc.code)
			}
			if tc.code != CodeInternal && !errors.Is(got, tc.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", got, tc.sentinel)
			}
			if HTTPStatus(got) != tc.httpStatus {
				t.Errorf("HTTP status = %d, want %d", HTTPStatus(got), tc.httpStatus)
			}
			if SourceOf(got) != tc.source {
				t.Errorf("source = %q, want %q", SourceOf(got), tc.source)
			}
		})
	}
}

func TestFromStatusWithoutDetail(t *testing.T) {
	// A status from gRPC itself (no ErrorDetail) still maps to a code.
	err := FromStatus(status.Error(codes.Unavailable, "connection refused"))
	if !errors.Is(err, ErrUnavailable) || CodeOf(err) != CodeUnavailable {
		t.Fatalf("err = %v (code %q), want unavailable", err, CodeOf(err))
	}
	if FromStatus(nil) != nil || ToStatus(nil) != nil {
		t.Fatal("nil must stay nil")
	}
	plain := errors.New("not a status")
	if got := FromStatus(plain); !errors.Is(got, plain) || got.Error() != plain.Error() {
		t.Fatal("a non-status error must pass through")
	}
}

func TestCodeOfSentinelDistinctions(t *testing.T) {
	// Codes that share a gRPC code stay apart through the ErrorDetail.
	got := FromStatus(ToStatus(NewError(CodeInvalidInput, "bad")))
	if errors.Is(got, ErrNotFound) || !errors.Is(got, ErrInvalidInput) {
		t.Fatalf("got %v", got)
	}
	if CodeOf(nil) != "" {
		t.Fatal("CodeOf(nil) must be empty")
	}
}
