package wms

// Code is the name of a WMS event, as sent in the "event" field. Every code
// in the vendor's table has a constant; a code the table does not list is
// kept as it arrives, never rejected, so a new vendor event never breaks a
// receiver.
type Code string

// The event codes of the vendor's table, in its order.
const (
	CodeWMSLoaded                   Code = "WMS_LOADED"
	CodeConfigurationLoaded         Code = "CONFIGURATION_LOADED"
	CodeCameraPermissionGranted     Code = "CAMERA_PERMISSION_GRANTED"
	CodeCameraPermissionDenied      Code = "CAMERA_PERMISSION_DENIED"
	CodeCameraStarted               Code = "CAMERA_STARTED"
	CodeMeasurementStarted          Code = "MEASUREMENT_STARTED"
	CodeMeasurementCreated          Code = "MEASUREMENT_CREATED"
	CodeIntermediateResults         Code = "INTERMEDIATE_RESULTS"
	CodeScanCompleted               Code = "SCAN_COMPLETED"
	CodeResultsReceived             Code = "RESULTS_RECEIVED"
	CodeRedirectingToCallback       Code = "REDIRECTING_TO_CALLBACK"
	CodeMeasurementCanceled         Code = "MEASUREMENT_CANCELED"
	CodeConstraintViolation         Code = "CONSTRAINT_VIOLATION"
	CodePageUnloaded                Code = "PAGE_UNLOADED"
	CodeWebSocketDisconnected       Code = "WEBSOCKET_DISCONNECTED"
	CodeWebSocketReconnected        Code = "WEBSOCKET_RECONNECTED"
	CodeWebSocketReconnectionFailed Code = "WEBSOCKET_RECONNECTION_FAILED"
	CodeAPIError                    Code = "API_ERROR"
	CodePageVisibilityChange        Code = "PAGE_VISIBILITY_CHANGE"
	CodeLowSNR                      Code = "LOW_SNR"
	CodeFailedInitBloodFlow         Code = "FAILED_INIT_BLOOD_FLOW"
	CodeGeneralError                Code = "GENERAL_ERROR"
)

// payloadKind says which payload type a code's table row documents.
type payloadKind uint8

const (
	payloadNone payloadKind = iota
	payloadMeasurement
	payloadIntermediate
	payloadConstraint
	payloadAPIError
	payloadVisibility
	payloadDetails
)

// codeInfo is one row of the vendor's table.
type codeInfo struct {
	severity    Severity
	payload     payloadKind
	description string
}

var codeTable = map[Code]codeInfo{
	CodeWMSLoaded:                   {SeverityInfo, payloadNone, "WMS loaded"},
	CodeConfigurationLoaded:         {SeverityInfo, payloadNone, "Config fetched using the provided Config ID"},
	CodeCameraPermissionGranted:     {SeverityInfo, payloadNone, "User granted the camera permission"},
	CodeCameraPermissionDenied:      {SeverityError, payloadNone, "User denied the camera permission"},
	CodeCameraStarted:               {SeverityInfo, payloadNone, "Camera started. This can be either by user or automatic."},
	CodeMeasurementStarted:          {SeverityInfo, payloadNone, "Measurement Started. This can be either by user or automatic."},
	CodeMeasurementCreated:          {SeverityInfo, payloadMeasurement, "Measurement was created"},
	CodeIntermediateResults:         {SeverityInfo, payloadIntermediate, "Intermediate results received"},
	CodeScanCompleted:               {SeverityInfo, payloadMeasurement, "Scan completed and waiting for the final results"},
	CodeResultsReceived:             {SeverityInfo, payloadMeasurement, "Final results received"},
	CodeRedirectingToCallback:       {SeverityInfo, payloadMeasurement, "Starting the redirect to the callback URL"},
	CodeMeasurementCanceled:         {SeverityWarn, payloadMeasurement, "Measurement was cancelled"},
	CodeConstraintViolation:         {SeverityError, payloadConstraint, "A constraint was violated (resulting in measurement cancellation)"},
	CodePageUnloaded:                {SeverityInfo, payloadMeasurement, "Either the user closed the browser (tab) or navigating away from WMS"},
	CodeWebSocketDisconnected:       {SeverityWarn, payloadMeasurement, "WebSocket disconnected"},
	CodeWebSocketReconnected:        {SeverityInfo, payloadMeasurement, "WebSocket either connected or reconnected"},
	CodeWebSocketReconnectionFailed: {SeverityError, payloadMeasurement, "WebSocket failed to reconnect"},
	CodeAPIError:                    {SeverityError, payloadAPIError, "API threw an error"},
	CodePageVisibilityChange:        {SeverityInfo, payloadVisibility, "User minimized / maximized the browser or switched to another tab / application"},
	CodeLowSNR:                      {SeverityError, payloadDetails, "Measurement was cancelled due to low SNR"},
	CodeFailedInitBloodFlow:         {SeverityError, payloadMeasurement, "Facial blood-flow collector failed to initialize"},
	CodeGeneralError:                {SeverityError, payloadDetails, "There was an error in starting the camera"},
}

// codes lists the table's codes in the table's order.
var codes = []Code{
	CodeWMSLoaded, CodeConfigurationLoaded, CodeCameraPermissionGranted,
	CodeCameraPermissionDenied, CodeCameraStarted, CodeMeasurementStarted,
	CodeMeasurementCreated, CodeIntermediateResults, CodeScanCompleted,
	CodeResultsReceived, CodeRedirectingToCallback, CodeMeasurementCanceled,
	CodeConstraintViolation, CodePageUnloaded, CodeWebSocketDisconnected,
	CodeWebSocketReconnected, CodeWebSocketReconnectionFailed, CodeAPIError,
	CodePageVisibilityChange, CodeLowSNR, CodeFailedInitBloodFlow, CodeGeneralError,
}

// Codes returns every code of the vendor's table, in the table's order. The
// slice is a fresh copy.
func Codes() []Code { return append([]Code(nil), codes...) }

// String returns the code as the vendor spells it.
func (c Code) String() string { return string(c) }

// Known reports whether c is in the vendor's table.
func (c Code) Known() bool {
	_, ok := codeTable[c]
	return ok
}

// Description returns the vendor's description of c, or "" for a code the
// table does not list.
func (c Code) Description() string { return codeTable[c].description }

// Severity returns the severity the vendor's table gives c, or "" for a code
// the table does not list. The severity an event arrives with is in
// Event.Severity.
func (c Code) Severity() Severity { return codeTable[c].severity }

// Severity is an event's severity. Values other than the three constants are
// kept as they arrive.
type Severity string

// The severities of the vendor's table.
const (
	SeverityInfo  Severity = "INFO"
	SeverityWarn  Severity = "WARN"
	SeverityError Severity = "ERROR"
)

// String returns the severity as the vendor spells it.
func (s Severity) String() string { return string(s) }

// Known reports whether s is INFO, WARN or ERROR.
func (s Severity) Known() bool {
	return s == SeverityInfo || s == SeverityWarn || s == SeverityError
}

// Visibility is the page state of a PAGE_VISIBILITY_CHANGE event. Values
// other than the two constants are kept as they arrive.
type Visibility string

// The page states of the vendor's table.
const (
	VisibilityVisible Visibility = "VISIBLE"
	VisibilityHidden  Visibility = "HIDDEN"
)

// String returns the state as the vendor spells it.
func (v Visibility) String() string { return string(v) }

// Detail is the reason given by LOW_SNR and GENERAL_ERROR events. The table
// names two values; others are kept as they arrive.
type Detail string

// The details named in the vendor's table.
const (
	DetailLowSNR           Detail = "LOW_SNR"
	DetailCameraStartError Detail = "CAMERA_START_ERROR"
)

// String returns the detail as the vendor spells it.
func (d Detail) String() string { return string(d) }
