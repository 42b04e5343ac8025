-- The {{ schema.plural }} table (SQLite).
CREATE TABLE {{ schema.plural }} (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
{% for f in fields %}
    {{ f.name }} {{ f.sqlite_type }} NOT NULL,
{% endfor %}
    inserted_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
