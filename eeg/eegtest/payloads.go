package eegtest

// Copies of testdata/eeg/spec-*.in and real-*.in without their final
// newline; eegtest_test.go checks that the two stay equal.

const (
	jsonBlink       = `{"action": {"value": 1, "time": 1214.697467542195}, "data": {"blink": {"blink": 1}, "id": 1040, "lsl_ts": 1214.697467542195, "unix_ts": 1633343930.865, "lsl_eeg_fill_ts": 1214.7459047, "lsl_api_call_ts": 1257.6010982, "lsl_api_recv_ts": 1257.7840578, "last_eeg_id": 133100}, "type": "blink"}`
	jsonEye         = `{"action": {"value": 1, "time": 1214.697467542195}, "data": {"eye": {"eye": 1}, "id": 1041, "lsl_ts": 1214.697467542195, "unix_ts": 1633343930.865, "lsl_eeg_fill_ts": 1214.7459047, "lsl_api_call_ts": 1257.6010982, "lsl_api_recv_ts": 1257.7840578, "last_eeg_id": 2895}, "type": "eye"}`
	jsonBandpower   = `{"action": {"value": [0.8412, 0.3127, 1.0925, 1.5513, 0.7712, 0.2954, 0.9831, 1.4022, 0.754, 0.2811, 0.9911, 1.3877, 0.8833, 0.3341, 1.1209, 1.601], "time": 1214.697467542195}, "data": {"bandpower": {"ch1": {"delta": 1.5513, "theta": 1.0925, "alpha": 0.8412, "beta": 0.3127}, "ch2": {"delta": 1.4022, "theta": 0.9831, "alpha": 0.7712, "beta": 0.2954}, "ch3": {"delta": 1.3877, "theta": 0.9911, "alpha": 0.754, "beta": 0.2811}, "ch4": {"delta": 1.601, "theta": 1.1209, "alpha": 0.8833, "beta": 0.3341}}, "id": 1042, "lsl_ts": 1214.697467542195, "unix_ts": 1633343930.865, "lsl_eeg_fill_ts": 1214.7459047, "lsl_api_call_ts": 1257.6010982, "lsl_api_recv_ts": 1257.7840578, "last_eeg_id": 133120}, "type": "bandpower"}`
	jsonArtifact    = `{"action": {"value": [1, 1, 0, 1], "time": 1214.697467542195}, "data": {"artifact_detect": {"ch1": 1, "ch2": 1, "ch3": 0, "ch4": 1}, "id": 21, "lsl_ts": 1214.697467542195, "unix_ts": 1633343930.865, "lsl_eeg_fill_ts": 1214.7459047, "lsl_api_call_ts": 1257.6010982, "lsl_api_recv_ts": 1257.7840578, "last_eeg_id": 2895}, "type": "artifact-detect"}`
	jsonMetricsJSON = `{"action": {"value": {"artifact_detect": {"channel1": "artifact", "channel2": "artifact", "channel3": "artifact", "channel4": "artifact"}, "bandpower": {"channel1": {"0": 0.8412, "1": 0.3127, "2": 1.0925, "3": 1.5513}, "channel2": {"0": 0.7712, "1": 0.2954, "2": 0.9831, "3": 1.4022}, "channel3": {"0": 0.754, "1": 0.2811, "2": 0.9911, "3": 1.3877}, "channel4": {"0": 0.8833, "1": 0.3341, "2": 1.1209, "3": 1.601}}, "blink": {"blink": 0}, "eye": {"eye": 1}}, "time": 1214.697467542195}, "data": {"metrics": {"artifact_detect": {"channel1": "artifact", "channel2": "artifact", "channel3": "artifact", "channel4": "artifact"}, "bandpower": {"channel1": {"0": 0.8412, "1": 0.3127, "2": 1.0925, "3": 1.5513}, "channel2": {"0": 0.7712, "1": 0.2954, "2": 0.9831, "3": 1.4022}, "channel3": {"0": 0.754, "1": 0.2811, "2": 0.9911, "3": 1.3877}, "channel4": {"0": 0.8833, "1": 0.3341, "2": 1.1209, "3": 1.601}}, "blink": {"blink": 0}, "eye": {"eye": 1}}, "id": 21, "lsl_ts": 1214.697467542195, "unix_ts": 1633343930.865, "lsl_eeg_fill_ts": 1214.7459047, "lsl_api_call_ts": 1257.6010982, "lsl_api_recv_ts": 1257.7840578, "last_eeg_id": 2895}, "type": "metricsJson"}`
	jsonMetrics     = `{"action": {"value": [0, 1, 1, 1, 0, 1, 0.8412, 0.3127, 1.0925, 1.5513, 0.7712, 0.2954, 0.9831, 1.4022, 0.754, 0.2811, 0.9911, 1.3877, 0.8833, 0.3341, 1.1209, 1.601], "time": 1214.697467542195}, "data": {"metrics": [0, 1, 1, 1, 0, 1, 0.8412, 0.3127, 1.0925, 1.5513, 0.7712, 0.2954, 0.9831, 1.4022, 0.754, 0.2811, 0.9911, 1.3877, 0.8833, 0.3341, 1.1209, 1.601], "id": 21, "lsl_ts": 1214.697467542195, "unix_ts": 1633343930.865, "lsl_eeg_fill_ts": 1214.7459047, "lsl_api_call_ts": 1257.6010982, "lsl_api_recv_ts": 1257.7840578, "last_eeg_id": 2895}, "type": "metrics"}`
	docBlink        = `{
'action': {
'value': 0, 'time': 1214.697467542195
},
'data': {
'blink': {'blink': 0},
'id': 21,
'lsl_ts': 1214.697467542195,
'unix_ts': 1633343930.865,
'lsl_eeg_fill_ts': 1214.7459047,
'lsl_api_call_ts': 1257.6010982,
'lsl_api_recv_ts': 1257.7840578,
'last_eeg_id': 2895
},
'type': 'blink'
}`
	docEye = `{
'action': {
'value': 0,
'time': 1214.697467542195
},
'data': {
'eye': {'eye': 0},
'id': 21,
'lsl_ts': 1214.697467542195,
'unix_ts': 1633343930.865,
'lsl_eeg_fill_ts': 1214.7459047,
'lsl_api_call_ts': 1257.6010982,
'lsl_api_recv_ts': 1257.7840578,
'last_eeg_id': 2895
},
'type': 'eye'
}`
	docBandpower = `{
'action': {
'value': [
'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data'
],
'time': 1214.697467542195
},
'data': {
'bandpower': {
'ch1': {
'delta': 'bad_data',
'theta': 'bad_data',
'alpha': 'bad_data',
'beta': 'bad_data'
}, 'ch2': {
'delta': 'bad_data',
'theta': 'bad_data',
'alpha': 'bad_data',
'beta': 'bad_data'
},
'ch3': {
'delta': 'bad_data',
'theta': 'bad_data',
'alpha': 'bad_data',
'beta': 'bad_data'
},
'ch4': {
'delta': 'bad_data',
'theta': 'bad_data',
'alpha': 'bad_data',
'beta': 'bad_data'
}
},
'id': 21,
'lsl_ts': 1214.697467542195,
'unix_ts': 1633343930.865,
'lsl_eeg_fill_ts': 1214.7459047,
'lsl_api_call_ts': 1257.6010982,
'lsl_api_recv_ts': 1257.7840578,
'last_eeg_id': 2895
},
'type': 'bandpower'
}`
	docArtifact = `{
'action': {
'value': [0, 0, 0, 0],
'time': 1214.697467542195
},
'data': {
'artifact_detect': {
'ch1': 0,
'ch2': 0,
'ch3': 0,
'ch4': 0
},
'id': 21,
'lsl_ts': 1214.697467542195,
'unix_ts': 1633343930.865,
'lsl_eeg_fill_ts': 1214.7459047,
'lsl_api_call_ts': 1257.6010982,
'lsl_api_recv_ts': 1257.7840578,
'last_eeg_id': 2895
},
'type': 'artifact-detect'
}`
	docMetricsJSON = `{
'action': {
'value': {
'artifact_detect': {
'channel1': 'artifact',
'channel2': 'artifact',
'channel3': 'artifact',
'channel4': 'artifact'
},
'bandpower': {
'channel1': {
'0': 'bad_data',
'1': 'bad_data',
'2': 'bad_data',
'3': 'bad_data'
},
'channel2': {
'0': 'bad_data',
'1': 'bad_data',
'2': 'bad_data',
'3': 'bad_data'
},
'channel3': {
'0': 'bad_data',
'1': 'bad_data',
'2': 'bad_data',
'3': 'bad_data'
},
'channel4': {
'0': 'bad_data',
'1': 'bad_data',
'2': 'bad_data',
'3': 'bad_data'
}
},
'blink': {'blink': 0},
'eye': {'eye': 0}
},
'time': 1214.697467542195
},
'data': {
'metrics': {
'artifact_detect': {
'channel1': 'artifact',
'channel2': 'artifact',
'channel3': 'artifact',
'channel4': 'artifact'
},
'bandpower': {
'channel1': {
'0': 'bad_data',
'1': 'bad_data',
'2': 'bad_data',
'3': 'bad_data'
},
'channel2': {
'0': 'bad_data',
'1': 'bad_data',
'2': 'bad_data',
'3': 'bad_data'
},
'channel3': {
'0': 'bad_data',
'1': 'bad_data',
'2': 'bad_data',
'3': 'bad_data'
},
'channel4': {
'0': 'bad_data',
'1': 'bad_data',
'2': 'bad_data',
'3': 'bad_data'
}
},
'blink': {'blink': 0},
'eye': {'eye': 0}
},
'id': 21,
'lsl_ts': 1214.697467542195,
'unix_ts': 1633343930.865,
'lsl_eeg_fill_ts': 1214.7459047,
'lsl_api_call_ts': 1257.6010982,
'lsl_api_recv_ts': 1257.7840578,
'last_eeg_id': 2895
},
'type': 'metricsJson'
}`
	docMetrics = `{
'action': {
'value': [0, 0, 0, 0, 0, 0, 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data'],
'time': 1214.697467542195
},
'data': {
'metrics': [0, 0, 0, 0, 0, 0, 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data', 'bad_data'],
'id': 21,
'lsl_ts': 1214.697467542195
'unix_ts': 1633343930.865,
'lsl_eeg_fill_ts': 1214.7459047,
'lsl_api_call_ts': 1257.6010982,
'lsl_api_recv_ts': 1257.7840578,
'last_eeg_id': 2895
},
'type': 'metrics'
}`
)
