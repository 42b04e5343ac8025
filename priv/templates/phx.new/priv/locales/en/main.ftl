# The application's messages in English (Fluent: https://projectfluent.org).
# Another language: copy this folder to priv/locales/<locale>/, translate,
# add the locale to `[i18n] locales` in config/config.toml, and run
# `phx i18n.check` to list what is missing.

welcome = Welcome to {{ app_module }}!
tagline = A productive web framework that does not compromise speed and maintainability.
room-message-label = Message
room-placeholder = Say something to everyone here
room-shout = Shout
next-steps = Next steps
nav-home = Home
not-found = Sorry, there is nothing at this address.
server-error = Something went wrong on our side.
back-home = Back to the home page
