# sqlcipher3 ships no type information. It is pysqlite3 built against SQLCipher:
# the standard library's sqlite3 API, so its types are sqlite3's.
