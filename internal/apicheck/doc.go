// Package apicheck pins the public API to shared/API.md, the contract that
// users and outside tests compile against: its test stops compiling if a
// name or a signature there changes.
package apicheck
