# Les messages de la démo en français.

## Layout
app-name = Démo Phoenix
page-title = { $title } · Démo Phoenix
brand-suffix = en Rust
nav-main = Principal
nav-home = Accueil
nav-about = À propos
nav-users = Utilisateurs
nav-chat = Discussion
nav-session = Session
# The /session page: the session value and the visit count.
session-visit = { $value } (visite { $visits })
nav-language = Langue
footer = { $title } · servi par le framework phoenix pour Rust
welcome = Bienvenue dans Phoenix !

## Home
home-message = Le message est { $message }.
home-intro = Chaque page ici est un morceau du README de Phoenix 0.7, refait en Rust.
home-routing = Routage
home-a-page = Une page
home-admin-page = une page d’administration
home-redirects = (redirige)
home-glob = Une route glob
home-users-nested = , avec des commentaires imbriqués
home-formats = Formats
home-page-json = Une page en JSON
home-json-api = L’API JSON
home-sitemap = Le plan du site
home-layouts = Mises en page et erreurs
home-plain = La mise en page simple
home-bare = sans mise en page
home-404 = Une page 404
home-crash = un plantage
home-session = La session

## Pages
page-showing = Page { $page }
page-url = L’URL complète de cette page est { $url }.
page-see-json = La voir en JSON
seed-api-title = L’API JavaScript d’origine
modern-api-title = L’API JavaScript moderne

## Chat
chat-title = Discussion
chat-wasm-title = Discussion (Rust)
chat-room = Salon { $room }
chat-connecting = connexion…
chat-here-now = Présents
chat-placeholder = Écrivez quelque chose…
chat-message = Message
chat-send = Envoyer
chat-you = (vous)
chat-long-polling = (long polling)
chat-connected-as = connecté en tant que { $user }
chat-reconnecting = reconnexion…
chat-could-not-join = impossible de rejoindre : { $reason }
chat-via-rust = (Rust)
chat-via-rust-long-polling = (Rust, long polling)

## Users
greeting = Bonjour
users-heading = { $greeting }, utilisateurs
users-count = { $count ->
    [one] { $count } utilisateur
   *[other] { $count } utilisateurs
}
users-as-of = au { $date }
users-empty = Aucun utilisateur pour l’instant.
users-name = Nom
users-edit = Modifier
users-delete = Supprimer
users-new = Nouvel utilisateur
user-number = Utilisateur nº { $id }
user-comments = Commentaires
user-all = Tous les utilisateurs
user-delete-this = Supprimer cet utilisateur
user-create = Créer l’utilisateur
user-save = Enregistrer
user-back = Retour
user-edit-title = Modifier { $name }
user-created = Créé avec succès
user-updated = Modifié avec succès
user-deleted = { $name } supprimé
error-name-blank = Le nom ne peut pas être vide

## Comments
comments-title = Commentaires pour { $name }
comments-empty = Aucun commentaire pour l’instant.
comments-delete = Supprimer
comments-add = Ajouter un commentaire
comments-post = Publier
comments-back = Retour à { $name }
comment-added = Commentaire ajouté
comment-blank = Un commentaire ne peut pas être vide
comment-deleted = Commentaire supprimé
comment-gone = Ce commentaire n’existait déjà plus

## Error pages
error-back-home = Retour à l’accueil
error-404-title = Page introuvable
error-404-text = Désolé, il n’y a rien à cette adresse.
error-500-title = Une erreur est survenue
error-500-text = L’erreur a été enregistrée ; veuillez réessayer dans un instant.
error-400 = Requête incorrecte
error-403 = Interdit
error-405 = Méthode non autorisée
error-406 = Non acceptable
error-413 = Contenu trop volumineux
error-415 = Type de contenu non pris en charge
error-422 = Entité non traitable

## More pages
seed-api-short = API d’origine
seed-api-text = Cette page utilise { $call } de Phoenix 0.7 sur { $path }.
modern-api-short = API moderne
modern-api-text = Cette page importe { $module } et utilise { $call }.
file-title = Fichier { $path }
file-captured = Le glob { $glob } a capturé { $count ->
    [one] { $count } segment
   *[other] { $count } segments
} :

# The long date pattern (strftime; month names come from the locale data).
phx-date-long = %-d %B %Y
