// Package auth is who may use the cloud: local users with roles, browser sessions
// (cookie + CSRF token), API tokens for integrations, sign-in rate limiting, and the
// HTTP middleware that puts the acting user in each request's context.
//
// Roles, each allowed what the ones before it are:
//
//	viewer    read everything (every GET), sign out
//	operator  acknowledge alerts
//	qa        decide on held lots (release, reject, destroy), with a password signature
//	admin     manage users and API tokens
//
// A route that changes state names its minimum role with Require(role, handler);
// plain GET routes need any signed-in user. An API token acts as its user: scope
// "full" with the user's role, scope "read" for GET and HEAD only.
//
// Secrets are never stored: passwords as bcrypt hashes, session and API tokens as
// SHA-256 hashes of 32 random bytes.
package auth
