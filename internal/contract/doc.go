// Package contract holds no code: its test runs every vendor handler of
// this module through the same table of cases (construction, method, limits,
// encodings, errors, success answer, Delivery), so that the five packages
// keep one contract. A new vendor package adds a row to the table.
package contract
