package sql

import "strings"

// varDescriptions are SHOW ALL's description column, PostgreSQL's short
// descriptions of the settings Meridian knows.
var varDescriptions = map[string]string{
	"application_name":                    "Sets the application name to be reported in statistics and logs.",
	"client_encoding":                     "Sets the client's character set encoding.",
	"datestyle":                           "Sets the display format for date and time values.",
	"timezone":                            "Sets the time zone for displaying and interpreting time stamps.",
	"intervalstyle":                       "Sets the display format for interval values.",
	"extra_float_digits":                  "Sets the number of digits displayed for floating-point values.",
	"search_path":                         "Sets the schema search order for names that are not schema-qualified.",
	"statement_timeout":                   "Sets the maximum allowed duration of any statement.",
	"lock_timeout":                        "Sets the maximum allowed duration of any wait for a lock.",
	"idle_in_transaction_session_timeout": "Sets the maximum allowed idle time between queries, when in a transaction.",
	"transaction_isolation":               "Sets the current transaction's isolation level.",
	"default_transaction_isolation":       "Sets the transaction isolation level of each new transaction.",
	"standard_conforming_strings":         "Causes '...' strings to treat backslashes literally.",
	"integer_datetimes":                   "Shows whether datetimes are integer based.",
	"server_version":                      "Shows the server version.",
	"server_encoding":                     "Shows the server (database) character set encoding.",
	"is_superuser":                        "Shows whether the current user is a superuser.",
	"session_authorization":               "Sets the session user name.",
	"max_identifier_length":               "Shows the maximum identifier length.",
	"bytea_output":                        "Sets the output format for bytea.",
	"check_function_bodies":               "Check routine bodies during CREATE FUNCTION and CREATE PROCEDURE.",
	"client_min_messages":                 "Sets the message levels that are sent to the client.",
	"default_table_access_method":         "Sets the default table access method for new tables.",
	"default_tablespace":                  "Sets the default tablespace to create tables and indexes in.",
	"escape_string_warning":               "Warn about backslash escapes in ordinary string literals.",
	"row_security":                        "Enable row security.",
	"synchronous_commit":                  "Sets the current transaction's synchronization level.",
	"xmloption":                           "Sets whether XML data in implicit parsing and serialization operations is to be considered as documents or content fragments.",
}

func varDescription(name string) string { return varDescriptions[strings.ToLower(name)] }
