-- The {{ schema.plural }} table (PostgreSQL).
CREATE TABLE {{ schema.plural }} (
    id BIGSERIAL PRIMARY KEY,
{% for f in fields %}
    {{ f.name }} {{ f.postgres_type }} NOT NULL,
{% endfor %}
    inserted_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
