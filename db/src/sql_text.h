// Small lexical helpers over SQL text, shared by the backends and the migration runner. They know
// just enough SQL to find statement boundaries: quotes ('', "", ``), -- and /* */ comments.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sukusuku::db::internal {

// Splits a script on `;` outside quotes and comments. Returns the statements trimmed, without
// the `;`, skipping empty and comment-only ones.
std::vector<std::string> splitScript(std::string_view sql);

// The first keyword of a statement in upper case ("INSERT", "SELECT", ...), after whitespace,
// comments and opening parentheses; "" if there is none.
std::string leadingKeyword(std::string_view sql);

// Throws DbError(kSql) unless `name` is a plain identifier ([A-Za-z_][A-Za-z0-9_]*): the
// Dialect's statement builders splice names into SQL, so they accept nothing else.
void checkIdentifier(std::string_view name);

// `sql` shortened for an error message.
std::string excerpt(std::string_view sql);

}  // namespace sukusuku::db::internal
