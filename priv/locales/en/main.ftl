# The demo's messages in English (the source text: tests and Playwright
# specs assert it, so change it with care).

## Layout
app-name = Phoenix demo
page-title = { $title } · Phoenix demo
brand-suffix = in Rust
nav-main = Main
nav-home = Home
nav-about = About
nav-users = Users
nav-chat = Chat
nav-session = Session
# The /session page: the session value and the visit count.
session-visit = { $value } (visit { $visits })
nav-language = Language
footer = { $title } · served by the phoenix framework for Rust
welcome = Welcome to Phoenix!

## Home
home-message = The message is { $message }.
home-intro = Every page here is a piece of the Phoenix 0.7 README, rebuilt in Rust.
home-routing = Routing
home-a-page = A page
home-admin-page = an admin page
home-redirects = (redirects)
home-glob = A glob route
home-users-nested = , with nested comments
home-formats = Formats
home-page-json = A page as JSON
home-json-api = The JSON API
home-sitemap = The sitemap
home-layouts = Layouts and errors
home-plain = The plain layout
home-bare = no layout
home-404 = A 404 page
home-crash = a crash
home-session = The session

## Pages
page-showing = Showing page { $page }
page-url = This page's full URL is { $url }.
page-see-json = See it as JSON
seed-api-title = The seed's JavaScript API
modern-api-title = The modern JavaScript API

## Chat
chat-title = Chat
chat-wasm-title = Chat (Rust)
chat-room = Room { $room }
chat-connecting = connecting…
chat-here-now = Here now
chat-placeholder = Say something…
chat-message = Message
chat-send = Send
chat-you = (you)
chat-long-polling = (long polling)
chat-connected-as = connected as { $user }
chat-reconnecting = reconnecting…
chat-could-not-join = could not join: { $reason }
chat-via-rust = (Rust)
chat-via-rust-long-polling = (Rust, long polling)

## Users
greeting = Hello
users-heading = { $greeting }, users
users-count = { $count ->
    [one] 1 user
   *[other] { $count } users
}
users-as-of = as of { $date }
users-empty = No users yet.
users-name = Name
users-edit = Edit
users-delete = Delete
users-new = New user
user-number = User #{ $id }
user-comments = Comments
user-all = All users
user-delete-this = Delete this user
user-create = Create user
user-save = Save
user-back = Back
user-edit-title = Edit { $name }
user-created = Created successfully
user-updated = Updated successfully
user-deleted = Deleted { $name }
error-name-blank = Name can't be blank

## Comments
comments-title = Comments for { $name }
comments-empty = No comments yet.
comments-delete = Delete
comments-add = Add a comment
comments-post = Post
comments-back = Back to { $name }
comment-added = Comment added
comment-blank = A comment can't be blank
comment-deleted = Comment deleted
comment-gone = That comment was already gone

## Error pages
error-back-home = Back to the home page
error-404-title = Page not found
error-404-text = Sorry, there is nothing at this address.
error-500-title = Something went wrong
error-500-text = The error was logged; please try again in a moment.
error-400 = Bad Request
error-403 = Forbidden
error-405 = Method Not Allowed
error-406 = Not Acceptable
error-413 = Payload Too Large
error-415 = Unsupported Media Type
error-422 = Unprocessable Entity

## More pages
seed-api-short = Seed API
seed-api-text = This page uses { $call } from Phoenix 0.7 on { $path }.
modern-api-short = Modern API
modern-api-text = This page imports { $module } and uses { $call }.
file-title = File { $path }
file-captured = The glob { $glob } captured { $count ->
    [one] { $count } segment
   *[other] { $count } segments
}:

# The long date pattern (strftime; month names come from the locale data).
phx-date-long = %B %-d, %Y
