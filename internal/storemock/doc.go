// Package storemock is a gomock mock of volmatch.Store for the fault tests
// (go.uber.org/mock): New returns a store whose every call goes to a real
// store except the calls a test makes fail, so that a failure can be put at
// an exact step of a flow (the third chunk of a batch, the volunteers of an
// import) and the flow shown to be all or nothing.
//
// Regenerate the mock after volmatch.Store changes with go generate.
package storemock

//go:generate go run go.uber.org/mock/mockgen@v0.6.0 -destination=mock_store.go -package=storemock -typed=false volmatch Store
