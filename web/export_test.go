package web

// Refusal and StepError are the mappings of engine refusals to message
// keys and sentences, for web_test; Msg is the message of a key.
var (
	Refusal   = refusal
	StepError = stepError
	Msg       = msg
	QRSVG     = qrSVG
)

// LangZH is the Chinese language code.
const LangZH = langZH
