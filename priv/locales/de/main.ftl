# Die Texte der Demo auf Deutsch.

## Layout
app-name = Phoenix-Demo
page-title = { $title } · Phoenix-Demo
brand-suffix = in Rust
nav-main = Hauptmenü
nav-home = Start
nav-about = Über
nav-users = Benutzer
nav-chat = Chat
nav-session = Sitzung
# The /session page: the session value and the visit count.
session-visit = { $value } (Besuch { $visits })
nav-language = Sprache
footer = { $title } · ausgeliefert vom phoenix-Framework für Rust
welcome = Willkommen bei Phoenix!

## Home
home-message = Die Nachricht ist { $message }.
home-intro = Jede Seite hier ist ein Stück der README von Phoenix 0.7, in Rust nachgebaut.
home-routing = Routing
home-a-page = Eine Seite
home-admin-page = eine Admin-Seite
home-redirects = (leitet um)
home-glob = Eine Glob-Route
home-users-nested = , mit verschachtelten Kommentaren
home-formats = Formate
home-page-json = Eine Seite als JSON
home-json-api = Die JSON-API
home-sitemap = Die Sitemap
home-layouts = Layouts und Fehler
home-plain = Das schlichte Layout
home-bare = ohne Layout
home-404 = Eine 404-Seite
home-crash = ein Absturz
home-session = Die Sitzung

## Pages
page-showing = Seite { $page }
page-url = Die vollständige URL dieser Seite ist { $url }.
page-see-json = Als JSON ansehen
seed-api-title = Die ursprüngliche JavaScript-API
modern-api-title = Die moderne JavaScript-API

## Chat
chat-title = Chat
chat-wasm-title = Chat (Rust)
chat-room = Raum { $room }
chat-connecting = verbinde…
chat-here-now = Gerade da
chat-placeholder = Schreib etwas…
chat-message = Nachricht
chat-send = Senden
chat-you = (du)
chat-long-polling = (Long Polling)
chat-connected-as = verbunden als { $user }
chat-reconnecting = verbinde neu…
chat-could-not-join = Beitritt nicht möglich: { $reason }
chat-via-rust = (Rust)
chat-via-rust-long-polling = (Rust, Long Polling)

## Users
greeting = Hallo
users-heading = { $greeting }, Benutzer
users-count = { $count ->
    [one] 1 Benutzer
   *[other] { $count } Benutzer
}
users-as-of = Stand { $date }
users-empty = Noch keine Benutzer.
users-name = Name
users-edit = Bearbeiten
users-delete = Löschen
users-new = Neuer Benutzer
user-number = Benutzer Nr. { $id }
user-comments = Kommentare
user-all = Alle Benutzer
user-delete-this = Diesen Benutzer löschen
user-create = Benutzer anlegen
user-save = Speichern
user-back = Zurück
user-edit-title = { $name } bearbeiten
user-created = Erfolgreich angelegt
user-updated = Erfolgreich geändert
user-deleted = { $name } gelöscht
error-name-blank = Der Name darf nicht leer sein

## Comments
comments-title = Kommentare zu { $name }
comments-empty = Noch keine Kommentare.
comments-delete = Löschen
comments-add = Kommentar hinzufügen
comments-post = Absenden
comments-back = Zurück zu { $name }
comment-added = Kommentar hinzugefügt
comment-blank = Ein Kommentar darf nicht leer sein
comment-deleted = Kommentar gelöscht
comment-gone = Dieser Kommentar war schon weg

## Error pages
error-back-home = Zurück zur Startseite
error-404-title = Seite nicht gefunden
error-404-text = Leider gibt es unter dieser Adresse nichts.
error-500-title = Etwas ist schiefgelaufen
error-500-text = Der Fehler wurde protokolliert; bitte versuche es gleich noch einmal.
error-400 = Ungültige Anfrage
error-403 = Verboten
error-405 = Methode nicht erlaubt
error-406 = Nicht akzeptabel
error-413 = Inhalt zu groß
error-415 = Nicht unterstützter Medientyp
error-422 = Nicht verarbeitbare Entität

## More pages
seed-api-short = Ursprüngliche API
seed-api-text = Diese Seite nutzt { $call } aus Phoenix 0.7 über { $path }.
modern-api-short = Moderne API
modern-api-text = Diese Seite importiert { $module } und nutzt { $call }.
file-title = Datei { $path }
file-captured = Der Glob { $glob } hat { $count ->
    [one] { $count } Segment
   *[other] { $count } Segmente
} erfasst:

# The long date pattern (strftime; month names come from the locale data).
phx-date-long = %-d. %B %Y
