/* Comment service widgets: no build step, no dependencies.
 * <div data-widget="comments|like|recent-comments|popular-tags|recent-posts" data-post="slug"></div>
 * <script src="https://comments.example/embed.js" data-api="https://comments.example" defer></script>
 * Languages: data-lang="de" on the script tag, else the page's <html lang>; ar, de, es, fa, fr, he, it, ja, nl, pt,
 * ru and zh are shipped. Change any text by defining window.CommentWidgetStrings = {key: "text", ...} first.
 * Index pages: <span data-count="slug"></span> with /count.js (a script of its own, under 1 KB gzipped). */
(function () {
  "use strict";
  var S = {
    loadingComments: "Loading comments...", loadingPosts: "Loading posts...", loadingTags: "Loading tags...",
    loadingLike: "Loading...", failed: "Could not load this right now.", retry: "Try again",
    network: "Could not reach the comment service. Check your connection and try again.",
    tooFast: "You are posting too fast. Please wait {s} seconds and try again.",
    unavailable: "The comment service is busy. Please try again in a moment.",
    count0: "No comments yet", count1: "1 comment", countN: "{n} comments",
    sort: "Sort", oldest: "Oldest", newest: "Newest", top: "Most liked", more: "Load more comments",
    leave: "Leave a comment", replyTo: "Reply to {name}", name: "Name", email: "E-mail (optional, never shown)",
    website: "Website (optional)", comment: "Comment", hint: "Markdown: **bold**, _italic_, [link](https://...), `code`",
    submit: "Post comment", sending: "Posting...", reply: "Reply", cancel: "Cancel", edit: "Edit", save: "Save",
    del: "Delete", confirmDelete: "Delete this comment?", deleted: "This comment was deleted.",
    pending: "Awaiting moderation", pendingNotice: "Thank you! Your comment is awaiting moderation; only you see it until a moderator approves it.",
    posted: "Thank you! Your comment is published.", editPending: "Saved. Your edit is awaiting moderation.",
    likeQ: "Do you like {title}?", likeN: "{n} likes", like1: "1 like", likeComment: "Like",
    noComments: "No comments yet.", noTags: "No tags yet.", noPosts: "No posts yet.", on: "on", edited: "edited",
    honeypot: "Leave this field empty",
    notify: "Mail me when someone replies", notifyNeedsEmail: "Type your e-mail above to get replies by mail.",
    notifyConfirm: "Check your mail: open the link we sent to confirm, then you get replies by mail.",
    notifyActive: "You will get a mail when someone replies.",
    preview: "Preview", previewEmpty: "Nothing to preview yet."
  };
  var custom = window.CommentWidgetStrings || {};
  for (var k in custom) if (Object.prototype.hasOwnProperty.call(custom, k)) S[k] = custom[k];
  function t(key, vars) {
    return String(S[key]).replace(/\{(\w+)\}/g, function (m, name) { return vars && name in vars ? vars[name] : m; });
  }

  var script = document.currentScript || document.querySelector("script[data-api]") ||
    document.querySelector('script[src*="embed.js"]');
  var API = ((script && script.getAttribute("data-api")) || (script ? new URL(script.src, location.href).origin : "")).replace(/\/+$/, "");

  /* ---- languages: data-lang on the script tag, else the page's lang; right-to-left ones laid out so ---- */
  var LOCALES = {
    de: { loadingComments: "Kommentare werden geladen...", loadingPosts: "Beiträge werden geladen...", loadingTags: "Schlagwörter werden geladen...",
      loadingLike: "Wird geladen...", failed: "Das kann gerade nicht geladen werden.", retry: "Erneut versuchen",
      network: "Der Kommentardienst ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
      tooFast: "Sie schreiben zu schnell. Bitte warten Sie {s} Sekunden.", unavailable: "Der Kommentardienst ist ausgelastet. Bitte gleich noch einmal versuchen.",
      count0: "Noch keine Kommentare", count1: "1 Kommentar", countN: "{n} Kommentare", sort: "Sortieren", oldest: "Älteste", newest: "Neueste",
      top: "Beliebteste", more: "Weitere Kommentare laden", leave: "Kommentar schreiben", replyTo: "Antwort an {name}", name: "Name",
      email: "E-Mail (optional, wird nie angezeigt)", website: "Website (optional)", comment: "Kommentar",
      hint: "Markdown: **fett**, _kursiv_, [Link](https://...), `Code`", submit: "Kommentar senden", sending: "Wird gesendet...",
      reply: "Antworten", cancel: "Abbrechen", edit: "Bearbeiten", save: "Speichern", del: "Löschen", confirmDelete: "Diesen Kommentar löschen?",
      deleted: "Dieser Kommentar wurde gelöscht.", pending: "Wartet auf Freigabe",
      pendingNotice: "Danke! Ihr Kommentar wartet auf Freigabe; bis dahin sehen nur Sie ihn.", posted: "Danke! Ihr Kommentar ist veröffentlicht.",
      editPending: "Gespeichert. Ihre Änderung wartet auf Freigabe.", likeQ: "Gefällt Ihnen {title}?", likeN: "{n} Likes", like1: "1 Like",
      likeComment: "Gefällt mir", noComments: "Noch keine Kommentare.", noTags: "Noch keine Schlagwörter.", noPosts: "Noch keine Beiträge.",
      on: "zu", edited: "bearbeitet", honeypot: "Dieses Feld leer lassen", notify: "Mich per E-Mail über Antworten informieren",
      notifyNeedsEmail: "Geben Sie oben Ihre E-Mail an, um Antworten per Mail zu erhalten.",
      notifyConfirm: "Bitte öffnen Sie den Link in der Mail, die wir Ihnen geschickt haben, um zu bestätigen.",
      notifyActive: "Sie erhalten eine Mail, wenn jemand antwortet.", preview: "Vorschau", previewEmpty: "Noch nichts für die Vorschau.",
      report: "Melden", reported: "Gemeldet", reportTitle: "Diesen Kommentar den Moderatoren melden", reportReason: "Warum?",
      reasonSpam: "Spam", reasonAbuse: "Beleidigend oder hasserfüllt", reasonOffTopic: "Am Thema vorbei", reasonOther: "Etwas anderes",
      reportNote: "Sollten die Moderatoren noch etwas wissen? (optional)", reportSend: "Meldung senden",
      reportThanks: "Danke. Ein Moderator sieht ihn sich an.", reportGone: "Dieser Kommentar wird nicht mehr angezeigt.",
      pinned: "Angeheftet", signIn: "Anmelden", signInWith: "Anmelden mit {name}", signInMail: "Anmeldelink per E-Mail senden",
      signInMailSent: "Prüfen Sie Ihre E-Mails: Öffnen Sie den Link, den wir an {email} geschickt haben, um sich anzumelden.",
      signInPrompt: "Melden Sie sich an, um zu kommentieren.",
      signInOptional: "Oder melden Sie sich an und kommentieren Sie unter dem Namen Ihres Kontos:", signedInAs: "Angemeldet als {name}",
      verified: "verifiziert", verifiedTitle: "Mit einem Konto angemeldet", signOut: "Abmelden", myData: "Meine Daten herunterladen",
      eraseMe: "Mein Konto löschen",
      confirmErase: "Ihr Konto und alle Kommentare löschen, die Sie angemeldet geschrieben haben? Das lässt sich nicht rückgängig machen.",
      erased: "Ihr Konto und seine Kommentare wurden gelöscht.", replyMails: "Antworten auf meine Kommentare per E-Mail",
      emailForLink: "Ihre E-Mail-Adresse", popupBlocked: "Erlauben Sie Pop-ups für diese Seite, um sich anzumelden.",
      liveNew1: "1 neuer Kommentar – anzeigen", liveNewN: "{n} neue Kommentare – anzeigen" },
    fr: { loadingComments: "Chargement des commentaires...", loadingPosts: "Chargement des articles...", loadingTags: "Chargement des étiquettes...",
      loadingLike: "Chargement...", failed: "Impossible de charger ceci pour le moment.", retry: "Réessayer",
      network: "Le service de commentaires est injoignable. Vérifiez votre connexion et réessayez.",
      tooFast: "Vous publiez trop vite. Attendez {s} secondes et réessayez.", unavailable: "Le service de commentaires est occupé. Réessayez dans un instant.",
      count0: "Aucun commentaire", count1: "1 commentaire", countN: "{n} commentaires", sort: "Trier", oldest: "Plus anciens", newest: "Plus récents",
      top: "Plus aimés", more: "Plus de commentaires", leave: "Laisser un commentaire", replyTo: "Répondre à {name}", name: "Nom",
      email: "E-mail (facultatif, jamais affiché)", website: "Site web (facultatif)", comment: "Commentaire",
      hint: "Markdown : **gras**, _italique_, [lien](https://...), `code`", submit: "Publier", sending: "Publication...",
      reply: "Répondre", cancel: "Annuler", edit: "Modifier", save: "Enregistrer", del: "Supprimer", confirmDelete: "Supprimer ce commentaire ?",
      deleted: "Ce commentaire a été supprimé.", pending: "En attente de modération",
      pendingNotice: "Merci ! Votre commentaire attend la modération ; vous seul le voyez d'ici là.", posted: "Merci ! Votre commentaire est publié.",
      editPending: "Enregistré. Votre modification attend la modération.", likeQ: "Vous aimez {title} ?", likeN: "{n} j'aime", like1: "1 j'aime",
      likeComment: "J'aime", noComments: "Aucun commentaire.", noTags: "Aucune étiquette.", noPosts: "Aucun article.",
      on: "sur", edited: "modifié", honeypot: "Laissez ce champ vide", notify: "Me prévenir par e-mail des réponses",
      notifyNeedsEmail: "Saisissez votre e-mail ci-dessus pour recevoir les réponses.",
      notifyConfirm: "Ouvrez le lien de l'e-mail que nous venons d'envoyer pour confirmer.",
      notifyActive: "Vous recevrez un e-mail quand quelqu'un répondra.", preview: "Aperçu", previewEmpty: "Rien à prévisualiser pour l'instant.",
      report: "Signaler", reported: "Signalé", reportTitle: "Signaler ce commentaire aux modérateurs", reportReason: "Pourquoi ?",
      reasonSpam: "Spam", reasonAbuse: "Injurieux ou haineux", reasonOffTopic: "Hors sujet", reasonOther: "Autre chose",
      reportNote: "Les modérateurs doivent-ils savoir autre chose ? (facultatif)", reportSend: "Envoyer le signalement",
      reportThanks: "Merci. Un modérateur va l'examiner.", reportGone: "Ce commentaire n'est plus affiché.", pinned: "Épinglé",
      signIn: "Se connecter", signInWith: "Se connecter avec {name}", signInMail: "Recevoir un lien de connexion par e-mail",
      signInMailSent: "Consultez vos e-mails : ouvrez le lien envoyé à {email} pour vous connecter.",
      signInPrompt: "Connectez-vous pour commenter.", signInOptional: "Ou connectez-vous pour commenter sous le nom de votre compte :",
      signedInAs: "Connecté en tant que {name}", verified: "vérifié", verifiedTitle: "Un lecteur connecté", signOut: "Se déconnecter",
      myData: "Télécharger mes données", eraseMe: "Supprimer mon compte",
      confirmErase: "Supprimer votre compte et tous les commentaires écrits en étant connecté ? C'est irréversible.",
      erased: "Votre compte et ses commentaires ont été supprimés.", replyMails: "Recevoir par e-mail les réponses à mes commentaires",
      emailForLink: "Votre e-mail", popupBlocked: "Autorisez les fenêtres pop-up pour cette page afin de vous connecter.",
      liveNew1: "1 nouveau commentaire - afficher", liveNewN: "{n} nouveaux commentaires - afficher" },
    es: { loadingComments: "Cargando comentarios...", loadingPosts: "Cargando entradas...", loadingTags: "Cargando etiquetas...",
      loadingLike: "Cargando...", failed: "No se pudo cargar ahora.", retry: "Reintentar",
      network: "No se pudo contactar con el servicio de comentarios. Revisa tu conexión e inténtalo de nuevo.",
      tooFast: "Estás publicando demasiado rápido. Espera {s} segundos.", unavailable: "El servicio de comentarios está ocupado. Inténtalo en un momento.",
      count0: "Sin comentarios", count1: "1 comentario", countN: "{n} comentarios", sort: "Ordenar", oldest: "Más antiguos", newest: "Más recientes",
      top: "Más valorados", more: "Cargar más comentarios", leave: "Deja un comentario", replyTo: "Responder a {name}", name: "Nombre",
      email: "Correo (opcional, nunca se muestra)", website: "Sitio web (opcional)", comment: "Comentario",
      hint: "Markdown: **negrita**, _cursiva_, [enlace](https://...), `código`", submit: "Publicar comentario", sending: "Publicando...",
      reply: "Responder", cancel: "Cancelar", edit: "Editar", save: "Guardar", del: "Eliminar", confirmDelete: "¿Eliminar este comentario?",
      deleted: "Este comentario fue eliminado.", pending: "Pendiente de moderación",
      pendingNotice: "¡Gracias! Tu comentario espera moderación; solo tú lo ves hasta que se apruebe.", posted: "¡Gracias! Tu comentario está publicado.",
      editPending: "Guardado. Tu edición espera moderación.", likeQ: "¿Te gusta {title}?", likeN: "{n} me gusta", like1: "1 me gusta",
      likeComment: "Me gusta", noComments: "Sin comentarios.", noTags: "Sin etiquetas.", noPosts: "Sin entradas.",
      on: "en", edited: "editado", honeypot: "Deja este campo vacío", notify: "Avisarme por correo de las respuestas",
      notifyNeedsEmail: "Escribe tu correo arriba para recibir las respuestas.",
      notifyConfirm: "Abre el enlace del correo que te enviamos para confirmar.",
      notifyActive: "Recibirás un correo cuando alguien responda.", preview: "Vista previa", previewEmpty: "Aún no hay nada que previsualizar.",
      report: "Denunciar", reported: "Denunciado", reportTitle: "Denunciar este comentario a los moderadores", reportReason: "¿Por qué?",
      reasonSpam: "Spam", reasonAbuse: "Ofensivo o de odio", reasonOffTopic: "Fuera de tema", reasonOther: "Otro motivo",
      reportNote: "¿Algo que deban saber los moderadores? (opcional)", reportSend: "Enviar denuncia",
      reportThanks: "Gracias. Un moderador lo revisará.", reportGone: "Este comentario ya no se muestra.", pinned: "Fijado",
      signIn: "Iniciar sesión", signInWith: "Iniciar sesión con {name}", signInMail: "Enviarme un enlace de acceso",
      signInMailSent: "Revisa tu correo: abre el enlace que enviamos a {email} para iniciar sesión.",
      signInPrompt: "Inicia sesión para comentar.", signInOptional: "O inicia sesión y comenta con el nombre de tu cuenta:",
      signedInAs: "Sesión iniciada como {name}", verified: "verificado", verifiedTitle: "Un lector con sesión iniciada",
      signOut: "Cerrar sesión", myData: "Descargar mis datos", eraseMe: "Eliminar mi cuenta",
      confirmErase: "¿Eliminar tu cuenta y todos los comentarios que escribiste con la sesión iniciada? No se puede deshacer.",
      erased: "Tu cuenta y sus comentarios fueron eliminados.", replyMails: "Avisarme por correo de las respuestas a mis comentarios",
      emailForLink: "Tu correo", popupBlocked: "Permite las ventanas emergentes en esta página para iniciar sesión.",
      liveNew1: "1 comentario nuevo - mostrar", liveNewN: "{n} comentarios nuevos - mostrar" },
    it: { loadingComments: "Caricamento commenti...", loadingPosts: "Caricamento articoli...", loadingTags: "Caricamento tag...",
      loadingLike: "Caricamento...", failed: "Impossibile caricare ora.", retry: "Riprova",
      network: "Il servizio commenti non è raggiungibile. Controlla la connessione e riprova.",
      tooFast: "Stai pubblicando troppo in fretta. Attendi {s} secondi.", unavailable: "Il servizio commenti è occupato. Riprova tra poco.",
      count0: "Nessun commento", count1: "1 commento", countN: "{n} commenti", sort: "Ordina", oldest: "Meno recenti", newest: "Più recenti",
      top: "Più apprezzati", more: "Carica altri commenti", leave: "Lascia un commento", replyTo: "Rispondi a {name}", name: "Nome",
      email: "E-mail (facoltativa, mai mostrata)", website: "Sito web (facoltativo)", comment: "Commento",
      hint: "Markdown: **grassetto**, _corsivo_, [link](https://...), `codice`", submit: "Pubblica commento", sending: "Pubblicazione...",
      reply: "Rispondi", cancel: "Annulla", edit: "Modifica", save: "Salva", del: "Elimina", confirmDelete: "Eliminare questo commento?",
      deleted: "Questo commento è stato eliminato.", pending: "In attesa di moderazione",
      pendingNotice: "Grazie! Il tuo commento è in attesa di moderazione; fino ad allora lo vedi solo tu.", posted: "Grazie! Il tuo commento è pubblicato.",
      editPending: "Salvato. La modifica è in attesa di moderazione.", likeQ: "Ti piace {title}?", likeN: "{n} mi piace", like1: "1 mi piace",
      likeComment: "Mi piace", noComments: "Nessun commento.", noTags: "Nessun tag.", noPosts: "Nessun articolo.",
      on: "su", edited: "modificato", honeypot: "Lascia vuoto questo campo", notify: "Avvisami via e-mail delle risposte",
      notifyNeedsEmail: "Scrivi la tua e-mail qui sopra per ricevere le risposte.",
      notifyConfirm: "Apri il link nella e-mail che ti abbiamo inviato per confermare.",
      notifyActive: "Riceverai una e-mail quando qualcuno risponde.", preview: "Anteprima", previewEmpty: "Ancora niente da mostrare.",
      report: "Segnala", reported: "Segnalato", reportTitle: "Segnala questo commento ai moderatori", reportReason: "Perché?",
      reasonSpam: "Spam", reasonAbuse: "Offensivo o che incita all'odio", reasonOffTopic: "Fuori tema", reasonOther: "Altro",
      reportNote: "C'è altro che i moderatori dovrebbero sapere? (facoltativo)", reportSend: "Invia segnalazione",
      reportThanks: "Grazie. Un moderatore lo esaminerà.", reportGone: "Questo commento non è più visibile.", pinned: "Fissato",
      signIn: "Accedi", signInWith: "Accedi con {name}", signInMail: "Inviami un link di accesso",
      signInMailSent: "Controlla la posta: apri il link che abbiamo inviato a {email} per accedere.", signInPrompt: "Accedi per commentare.",
      signInOptional: "Oppure accedi e commenta con il nome del tuo account:", signedInAs: "Accesso effettuato come {name}",
      verified: "verificato", verifiedTitle: "Un lettore che ha effettuato l'accesso", signOut: "Esci", myData: "Scarica i miei dati",
      eraseMe: "Elimina il mio account",
      confirmErase: "Eliminare il tuo account e tutti i commenti scritti dopo l'accesso? L'operazione non può essere annullata.",
      erased: "Il tuo account e i suoi commenti sono stati eliminati.", replyMails: "Inviami via e-mail le risposte ai miei commenti",
      emailForLink: "La tua e-mail", popupBlocked: "Consenti i pop-up per questa pagina per accedere.",
      liveNew1: "1 nuovo commento - mostra", liveNewN: "{n} nuovi commenti - mostra" },
    pt: { loadingComments: "Carregando comentários...", loadingPosts: "Carregando posts...", loadingTags: "Carregando tags...",
      loadingLike: "Carregando...", failed: "Não foi possível carregar agora.", retry: "Tentar de novo",
      network: "Não foi possível contatar o serviço de comentários. Verifique sua conexão e tente de novo.",
      tooFast: "Você está publicando rápido demais. Aguarde {s} segundos.", unavailable: "O serviço de comentários está ocupado. Tente em instantes.",
      count0: "Nenhum comentário", count1: "1 comentário", countN: "{n} comentários", sort: "Ordenar", oldest: "Mais antigos", newest: "Mais recentes",
      top: "Mais curtidos", more: "Carregar mais comentários", leave: "Deixe um comentário", replyTo: "Responder a {name}", name: "Nome",
      email: "E-mail (opcional, nunca exibido)", website: "Site (opcional)", comment: "Comentário",
      hint: "Markdown: **negrito**, _itálico_, [link](https://...), `código`", submit: "Publicar comentário", sending: "Publicando...",
      reply: "Responder", cancel: "Cancelar", edit: "Editar", save: "Salvar", del: "Excluir", confirmDelete: "Excluir este comentário?",
      deleted: "Este comentário foi excluído.", pending: "Aguardando moderação",
      pendingNotice: "Obrigado! Seu comentário aguarda moderação; só você o vê até ser aprovado.", posted: "Obrigado! Seu comentário foi publicado.",
      editPending: "Salvo. Sua edição aguarda moderação.", likeQ: "Você gosta de {title}?", likeN: "{n} curtidas", like1: "1 curtida",
      likeComment: "Curtir", noComments: "Nenhum comentário.", noTags: "Nenhuma tag.", noPosts: "Nenhum post.",
      on: "em", edited: "editado", honeypot: "Deixe este campo vazio", notify: "Avisar-me por e-mail sobre respostas",
      notifyNeedsEmail: "Digite seu e-mail acima para receber respostas.",
      notifyConfirm: "Abra o link do e-mail que enviamos para confirmar.",
      notifyActive: "Você receberá um e-mail quando alguém responder.", preview: "Pré-visualizar", previewEmpty: "Nada para pré-visualizar ainda.",
      report: "Denunciar", reported: "Denunciado", reportTitle: "Denunciar este comentário aos moderadores", reportReason: "Por quê?",
      reasonSpam: "Spam", reasonAbuse: "Ofensivo ou de ódio", reasonOffTopic: "Fora do assunto", reasonOther: "Outro motivo",
      reportNote: "Algo que os moderadores devam saber? (opcional)", reportSend: "Enviar denúncia",
      reportThanks: "Obrigado. Um moderador vai analisá-lo.", reportGone: "Este comentário não é mais exibido.", pinned: "Fixado",
      signIn: "Entrar", signInWith: "Entrar com {name}", signInMail: "Enviar-me um link de acesso",
      signInMailSent: "Verifique seu e-mail: abra o link que enviamos para {email} para entrar.", signInPrompt: "Entre para comentar.",
      signInOptional: "Ou entre e comente com o nome da sua conta:", signedInAs: "Conectado como {name}", verified: "verificado",
      verifiedTitle: "Um leitor conectado", signOut: "Sair", myData: "Baixar meus dados", eraseMe: "Excluir minha conta",
      confirmErase: "Excluir sua conta e todos os comentários que você escreveu conectado? Isso não pode ser desfeito.",
      erased: "Sua conta e seus comentários foram excluídos.", replyMails: "Avisar-me por e-mail sobre respostas aos meus comentários",
      emailForLink: "Seu e-mail", popupBlocked: "Permita pop-ups nesta página para entrar.", liveNew1: "1 comentário novo - mostrar",
      liveNewN: "{n} comentários novos - mostrar" },
    nl: { loadingComments: "Reacties laden...", loadingPosts: "Berichten laden...", loadingTags: "Tags laden...",
      loadingLike: "Laden...", failed: "Dit kan nu niet geladen worden.", retry: "Opnieuw proberen",
      network: "De reactiedienst is niet bereikbaar. Controleer je verbinding en probeer het opnieuw.",
      tooFast: "Je plaatst te snel. Wacht {s} seconden.", unavailable: "De reactiedienst is druk. Probeer het zo opnieuw.",
      count0: "Nog geen reacties", count1: "1 reactie", countN: "{n} reacties", sort: "Sorteren", oldest: "Oudste", newest: "Nieuwste",
      top: "Meest geliket", more: "Meer reacties laden", leave: "Laat een reactie achter", replyTo: "Antwoord aan {name}", name: "Naam",
      email: "E-mail (optioneel, nooit getoond)", website: "Website (optioneel)", comment: "Reactie",
      hint: "Markdown: **vet**, _cursief_, [link](https://...), `code`", submit: "Reactie plaatsen", sending: "Plaatsen...",
      reply: "Beantwoorden", cancel: "Annuleren", edit: "Bewerken", save: "Opslaan", del: "Verwijderen", confirmDelete: "Deze reactie verwijderen?",
      deleted: "Deze reactie is verwijderd.", pending: "Wacht op moderatie",
      pendingNotice: "Bedankt! Je reactie wacht op moderatie; tot dan zie alleen jij haar.", posted: "Bedankt! Je reactie is geplaatst.",
      editPending: "Opgeslagen. Je wijziging wacht op moderatie.", likeQ: "Vind je {title} leuk?", likeN: "{n} likes", like1: "1 like",
      likeComment: "Leuk", noComments: "Nog geen reacties.", noTags: "Nog geen tags.", noPosts: "Nog geen berichten.",
      on: "bij", edited: "bewerkt", honeypot: "Laat dit veld leeg", notify: "Mail me bij antwoorden",
      notifyNeedsEmail: "Vul hierboven je e-mail in om antwoorden per mail te krijgen.",
      notifyConfirm: "Open de link in de mail die we stuurden om te bevestigen.",
      notifyActive: "Je krijgt een mail als iemand antwoordt.", preview: "Voorbeeld", previewEmpty: "Nog niets om te tonen.",
      report: "Melden", reported: "Gemeld", reportTitle: "Deze reactie melden bij de moderatoren", reportReason: "Waarom?",
      reasonSpam: "Spam", reasonAbuse: "Beledigend of haatdragend", reasonOffTopic: "Off-topic", reasonOther: "Iets anders",
      reportNote: "Moeten de moderatoren nog iets weten? (optioneel)", reportSend: "Melding versturen",
      reportThanks: "Bedankt. Een moderator bekijkt het.", reportGone: "Deze reactie wordt niet meer getoond.", pinned: "Vastgezet",
      signIn: "Inloggen", signInWith: "Inloggen met {name}", signInMail: "Mail me een inloglink",
      signInMailSent: "Kijk in je mail: open de link die we naar {email} stuurden om in te loggen.", signInPrompt: "Log in om te reageren.",
      signInOptional: "Of log in en reageer onder de naam van je account:", signedInAs: "Ingelogd als {name}", verified: "geverifieerd",
      verifiedTitle: "Een ingelogde lezer", signOut: "Uitloggen", myData: "Mijn gegevens downloaden", eraseMe: "Mijn account verwijderen",
      confirmErase: "Je account en alle reacties die je ingelogd schreef verwijderen? Dit kan niet ongedaan worden gemaakt.",
      erased: "Je account en de reacties ervan zijn verwijderd.", replyMails: "Mail me antwoorden op mijn reacties",
      emailForLink: "Je e-mail", popupBlocked: "Sta pop-ups toe voor deze pagina om in te loggen.", liveNew1: "1 nieuwe reactie - tonen",
      liveNewN: "{n} nieuwe reacties - tonen" },
    ru: { loadingComments: "Загрузка комментариев...", loadingPosts: "Загрузка записей...", loadingTags: "Загрузка меток...",
      loadingLike: "Загрузка...", failed: "Сейчас не удалось загрузить.", retry: "Повторить",
      network: "Сервис комментариев недоступен. Проверьте подключение и попробуйте снова.",
      tooFast: "Вы пишете слишком часто. Подождите {s} с.", unavailable: "Сервис комментариев перегружен. Попробуйте чуть позже.",
      count0: "Комментариев пока нет", count1: "1 комментарий", countN: "Комментариев: {n}", sort: "Порядок", oldest: "Сначала старые", newest: "Сначала новые",
      top: "Популярные", more: "Ещё комментарии", leave: "Оставить комментарий", replyTo: "Ответ для {name}", name: "Имя",
      email: "E-mail (необязательно, не показывается)", website: "Сайт (необязательно)", comment: "Комментарий",
      hint: "Markdown: **жирный**, _курсив_, [ссылка](https://...), `код`", submit: "Отправить", sending: "Отправка...",
      reply: "Ответить", cancel: "Отмена", edit: "Изменить", save: "Сохранить", del: "Удалить", confirmDelete: "Удалить этот комментарий?",
      deleted: "Комментарий удалён.", pending: "Ожидает проверки",
      pendingNotice: "Спасибо! Комментарий ожидает проверки; до тех пор его видите только вы.", posted: "Спасибо! Комментарий опубликован.",
      editPending: "Сохранено. Изменение ожидает проверки.", likeQ: "Вам нравится {title}?", likeN: "Нравится: {n}", like1: "Нравится: 1",
      likeComment: "Нравится", noComments: "Комментариев пока нет.", noTags: "Меток пока нет.", noPosts: "Записей пока нет.",
      on: "к записи", edited: "изменено", honeypot: "Оставьте это поле пустым", notify: "Сообщать об ответах по почте",
      notifyNeedsEmail: "Укажите e-mail выше, чтобы получать ответы.",
      notifyConfirm: "Откройте ссылку из письма, чтобы подтвердить адрес.",
      notifyActive: "Вы получите письмо, когда кто-то ответит.", preview: "Предпросмотр", previewEmpty: "Пока нечего показать.",
      report: "Пожаловаться", reported: "Жалоба отправлена", reportTitle: "Пожаловаться модераторам на этот комментарий",
      reportReason: "Причина", reasonSpam: "Спам", reasonAbuse: "Оскорбления или ненависть", reasonOffTopic: "Не по теме",
      reasonOther: "Другое", reportNote: "Что ещё стоит знать модераторам? (необязательно)", reportSend: "Отправить жалобу",
      reportThanks: "Спасибо. Модератор рассмотрит жалобу.", reportGone: "Этот комментарий больше не показывается.", pinned: "Закреплён",
      signIn: "Войти", signInWith: "Войти через {name}", signInMail: "Прислать ссылку для входа",
      signInMailSent: "Проверьте почту: откройте ссылку, которую мы отправили на {email}, чтобы войти.",
      signInPrompt: "Войдите, чтобы комментировать.", signInOptional: "Или войдите и комментируйте под именем своей учётной записи:",
      signedInAs: "Вы вошли как {name}", verified: "подтверждён", verifiedTitle: "Читатель с учётной записью", signOut: "Выйти",
      myData: "Скачать мои данные", eraseMe: "Удалить учётную запись",
      confirmErase: "Удалить вашу учётную запись и все комментарии, написанные после входа? Это нельзя отменить.",
      erased: "Ваша учётная запись и её комментарии удалены.", replyMails: "Сообщать по почте об ответах на мои комментарии",
      emailForLink: "Ваш e-mail", popupBlocked: "Разрешите всплывающие окна для этой страницы, чтобы войти.",
      liveNew1: "1 новый комментарий — показать", liveNewN: "Новых комментариев: {n} — показать" },
    ja: { loadingComments: "コメントを読み込み中...", loadingPosts: "記事を読み込み中...", loadingTags: "タグを読み込み中...",
      loadingLike: "読み込み中...", failed: "現在読み込めません。", retry: "再試行",
      network: "コメントサービスに接続できません。接続を確認してもう一度お試しください。",
      tooFast: "投稿が速すぎます。{s} 秒待ってからお試しください。", unavailable: "コメントサービスが混み合っています。少し後でお試しください。",
      count0: "コメントはまだありません", count1: "コメント 1 件", countN: "コメント {n} 件", sort: "並べ替え", oldest: "古い順", newest: "新しい順",
      top: "人気順", more: "さらにコメントを読み込む", leave: "コメントを書く", replyTo: "{name} さんへの返信", name: "名前",
      email: "メール（任意・非公開）", website: "ウェブサイト（任意）", comment: "コメント",
      hint: "Markdown: **太字**, _斜体_, [リンク](https://...), `コード`", submit: "コメントを投稿", sending: "投稿中...",
      reply: "返信", cancel: "キャンセル", edit: "編集", save: "保存", del: "削除", confirmDelete: "このコメントを削除しますか？",
      deleted: "このコメントは削除されました。", pending: "承認待ち",
      pendingNotice: "ありがとうございます。コメントは承認待ちです。承認されるまであなたにだけ表示されます。", posted: "ありがとうございます。コメントが公開されました。",
      editPending: "保存しました。編集は承認待ちです。", likeQ: "{title} は気に入りましたか？", likeN: "いいね {n}", like1: "いいね 1",
      likeComment: "いいね", noComments: "コメントはまだありません。", noTags: "タグはまだありません。", noPosts: "記事はまだありません。",
      on: "-", edited: "編集済み", honeypot: "この欄は空のままにしてください", notify: "返信をメールで知らせる",
      notifyNeedsEmail: "返信をメールで受け取るには上にメールアドレスを入力してください。",
      notifyConfirm: "お送りしたメールのリンクを開いて確認してください。",
      notifyActive: "返信があるとメールが届きます。", preview: "プレビュー", previewEmpty: "プレビューする内容がありません。",
      report: "報告", reported: "報告済み", reportTitle: "このコメントをモデレーターに報告", reportReason: "理由", reasonSpam: "スパム", reasonAbuse: "攻撃的・差別的な内容",
      reasonOffTopic: "話題と無関係", reasonOther: "その他", reportNote: "モデレーターに伝えたいこと（任意）", reportSend: "報告を送信",
      reportThanks: "ありがとうございます。モデレーターが確認します。", reportGone: "このコメントは表示されなくなりました。", pinned: "固定", signIn: "ログイン", signInWith: "{name} でログイン",
      signInMail: "ログインリンクをメールで受け取る", signInMailSent: "メールを確認してください。{email} に送ったリンクを開くとログインできます。", signInPrompt: "コメントするにはログインしてください。",
      signInOptional: "ログインして、アカウントの名前でコメントすることもできます：", signedInAs: "{name} としてログイン中", verified: "確認済み", verifiedTitle: "ログインした読者",
      signOut: "ログアウト", myData: "自分のデータをダウンロード", eraseMe: "アカウントを削除", confirmErase: "アカウントと、ログイン中に書いたすべてのコメントを削除しますか？この操作は元に戻せません。",
      erased: "アカウントとそのコメントを削除しました。", replyMails: "自分のコメントへの返信をメールで受け取る", emailForLink: "メールアドレス",
      popupBlocked: "ログインするには、このページのポップアップを許可してください。", liveNew1: "新しいコメント 1 件 - 表示", liveNewN: "新しいコメント {n} 件 - 表示" },
    zh: { loadingComments: "正在加载评论...", loadingPosts: "正在加载文章...", loadingTags: "正在加载标签...",
      loadingLike: "正在加载...", failed: "暂时无法加载。", retry: "重试",
      network: "无法连接评论服务。请检查网络后重试。",
      tooFast: "发布太快了。请等待 {s} 秒后重试。", unavailable: "评论服务繁忙，请稍后再试。",
      count0: "暂无评论", count1: "1 条评论", countN: "{n} 条评论", sort: "排序", oldest: "最早", newest: "最新",
      top: "最多赞", more: "加载更多评论", leave: "发表评论", replyTo: "回复 {name}", name: "名字",
      email: "邮箱（可选，不会公开）", website: "网站（可选）", comment: "评论",
      hint: "Markdown：**粗体**、_斜体_、[链接](https://...)、`代码`", submit: "发表评论", sending: "正在发布...",
      reply: "回复", cancel: "取消", edit: "编辑", save: "保存", del: "删除", confirmDelete: "删除这条评论？",
      deleted: "此评论已删除。", pending: "等待审核",
      pendingNotice: "谢谢！您的评论正在等待审核，通过前只有您能看到。", posted: "谢谢！您的评论已发布。",
      editPending: "已保存。您的修改正在等待审核。", likeQ: "喜欢 {title} 吗？", likeN: "{n} 个赞", like1: "1 个赞",
      likeComment: "赞", noComments: "暂无评论。", noTags: "暂无标签。", noPosts: "暂无文章。",
      on: "评论于", edited: "已编辑", honeypot: "请勿填写此项", notify: "有人回复时发邮件通知我",
      notifyNeedsEmail: "在上方填写邮箱即可通过邮件接收回复。",
      notifyConfirm: "请打开我们发送的邮件中的链接进行确认。",
      notifyActive: "有人回复时您会收到邮件。", preview: "预览", previewEmpty: "还没有可预览的内容。",
      report: "举报", reported: "已举报", reportTitle: "向审核员举报这条评论", reportReason: "原因", reasonSpam: "垃圾信息", reasonAbuse: "辱骂或仇恨言论",
      reasonOffTopic: "与主题无关", reasonOther: "其他原因", reportNote: "有什么需要告诉审核员的吗？（可选）", reportSend: "提交举报", reportThanks: "谢谢。审核员会查看这条评论。",
      reportGone: "此评论已不再显示。", pinned: "置顶", signIn: "登录", signInWith: "使用 {name} 登录", signInMail: "通过邮件发送登录链接",
      signInMailSent: "请查收邮件：打开我们发送到 {email} 的链接即可登录。", signInPrompt: "登录后即可评论。", signInOptional: "也可以登录，以账户的名字发表评论：",
      signedInAs: "已登录：{name}", verified: "已验证", verifiedTitle: "已登录的读者", signOut: "退出登录", myData: "下载我的数据", eraseMe: "删除我的账户",
      confirmErase: "删除您的账户以及登录期间发表的所有评论？此操作无法撤销。", erased: "您的账户及其评论已删除。", replyMails: "有人回复我的评论时发邮件通知我", emailForLink: "您的邮箱",
      popupBlocked: "请允许此页面弹出窗口以便登录。", liveNew1: "1 条新评论 - 显示", liveNewN: "{n} 条新评论 - 显示" },
    ar: { loadingComments: "جارٍ تحميل التعليقات...", loadingPosts: "جارٍ تحميل المقالات...", loadingTags: "جارٍ تحميل الوسوم...",
      loadingLike: "جارٍ التحميل...", failed: "تعذّر التحميل الآن.", retry: "أعد المحاولة",
      network: "تعذّر الوصول إلى خدمة التعليقات. تحقق من اتصالك وأعد المحاولة.",
      tooFast: "أنت تنشر بسرعة كبيرة. انتظر {s} ثانية ثم أعد المحاولة.", unavailable: "خدمة التعليقات مشغولة. أعد المحاولة بعد قليل.",
      count0: "لا تعليقات بعد", count1: "تعليق واحد", countN: "{n} تعليقات", sort: "الترتيب", oldest: "الأقدم", newest: "الأحدث",
      top: "الأكثر إعجابًا", more: "تحميل المزيد من التعليقات", leave: "اترك تعليقًا", replyTo: "الرد على {name}", name: "الاسم",
      email: "البريد الإلكتروني (اختياري، لا يُعرض)", website: "الموقع (اختياري)", comment: "التعليق",
      hint: "ماركداون: **عريض**، _مائل_، [رابط](https://...)، `شيفرة`", submit: "نشر التعليق", sending: "جارٍ النشر...",
      reply: "رد", cancel: "إلغاء", edit: "تعديل", save: "حفظ", del: "حذف", confirmDelete: "هل تريد حذف هذا التعليق؟",
      deleted: "حُذف هذا التعليق.", pending: "بانتظار المراجعة",
      pendingNotice: "شكرًا! تعليقك بانتظار المراجعة؛ لا يراه غيرك حتى تتم الموافقة عليه.", posted: "شكرًا! نُشر تعليقك.",
      editPending: "حُفظ. تعديلك بانتظار المراجعة.", likeQ: "هل أعجبك {title}؟", likeN: "{n} إعجابات", like1: "إعجاب واحد",
      likeComment: "إعجاب", noComments: "لا تعليقات بعد.", noTags: "لا وسوم بعد.", noPosts: "لا مقالات بعد.",
      on: "على", edited: "معدّل", honeypot: "اترك هذا الحقل فارغًا", notify: "أبلغني بالبريد عند الرد",
      notifyNeedsEmail: "اكتب بريدك أعلاه لتصلك الردود بالبريد.",
      notifyConfirm: "افتح الرابط في الرسالة التي أرسلناها للتأكيد.",
      notifyActive: "ستصلك رسالة عندما يرد أحد.", preview: "معاينة", previewEmpty: "لا شيء للمعاينة بعد.",
      report: "إبلاغ", reported: "تم الإبلاغ", reportTitle: "أبلغ المشرفين عن هذا التعليق", reportReason: "لماذا؟",
      reasonSpam: "رسائل مزعجة", reasonAbuse: "مسيء أو يحض على الكراهية", reasonOffTopic: "خارج الموضوع", reasonOther: "سبب آخر",
      reportNote: "هل من شيء ينبغي أن يعرفه المشرفون؟ (اختياري)", reportSend: "إرسال البلاغ",
      reportThanks: "شكرًا. سيطّلع عليه أحد المشرفين.", reportGone: "لم يعد هذا التعليق معروضًا.", pinned: "مثبّت", signIn: "تسجيل الدخول",
      signInWith: "تسجيل الدخول عبر {name}", signInMail: "أرسل لي رابط الدخول بالبريد",
      signInMailSent: "تحقق من بريدك: افتح الرابط الذي أرسلناه إلى {email} لتسجيل الدخول.", signInPrompt: "سجّل الدخول لتعلّق.",
      signInOptional: "أو سجّل الدخول وعلّق باسم حسابك:", signedInAs: "مسجّل الدخول باسم {name}", verified: "موثّق",
      verifiedTitle: "قارئ مسجّل الدخول", signOut: "تسجيل الخروج", myData: "تنزيل بياناتي", eraseMe: "حذف حسابي",
      confirmErase: "هل تريد حذف حسابك وكل تعليق كتبته وأنت مسجّل الدخول؟ لا يمكن التراجع عن ذلك.", erased: "حُذف حسابك وتعليقاته.",
      replyMails: "أرسل لي الردود على تعليقاتي بالبريد", emailForLink: "بريدك الإلكتروني",
      popupBlocked: "اسمح بالنوافذ المنبثقة لهذه الصفحة لتسجيل الدخول.", liveNew1: "تعليق جديد واحد - عرض",
      liveNewN: "{n} تعليقات جديدة - عرض" },
    he: { loadingComments: "טוען תגובות...", loadingPosts: "טוען פוסטים...", loadingTags: "טוען תגיות...",
      loadingLike: "טוען...", failed: "לא ניתן לטעון כרגע.", retry: "נסו שוב",
      network: "אין חיבור לשירות התגובות. בדקו את החיבור ונסו שוב.",
      tooFast: "אתם מפרסמים מהר מדי. המתינו {s} שניות ונסו שוב.", unavailable: "שירות התגובות עמוס. נסו שוב בעוד רגע.",
      count0: "אין עדיין תגובות", count1: "תגובה אחת", countN: "{n} תגובות", sort: "מיון", oldest: "הישנות", newest: "החדשות",
      top: "הכי אהובות", more: "טעינת תגובות נוספות", leave: "כתבו תגובה", replyTo: "תגובה ל־{name}", name: "שם",
      email: "אימייל (לא חובה, לא מוצג)", website: "אתר (לא חובה)", comment: "תגובה",
      hint: "Markdown: ‏**מודגש**, _נטוי_, [קישור](https://...), `קוד`", submit: "פרסום תגובה", sending: "מפרסם...",
      reply: "השב", cancel: "ביטול", edit: "עריכה", save: "שמירה", del: "מחיקה", confirmDelete: "למחוק את התגובה?",
      deleted: "התגובה נמחקה.", pending: "ממתינה לאישור",
      pendingNotice: "תודה! התגובה ממתינה לאישור; עד אז רק אתם רואים אותה.", posted: "תודה! התגובה פורסמה.",
      editPending: "נשמר. העריכה ממתינה לאישור.", likeQ: "אהבתם את {title}?", likeN: "{n} לייקים", like1: "לייק אחד",
      likeComment: "לייק", noComments: "אין עדיין תגובות.", noTags: "אין עדיין תגיות.", noPosts: "אין עדיין פוסטים.",
      on: "על", edited: "נערכה", honeypot: "השאירו שדה זה ריק", notify: "שלחו לי אימייל כשמגיבים לי",
      notifyNeedsEmail: "הקלידו אימייל למעלה כדי לקבל תגובות בדואר.",
      notifyConfirm: "פתחו את הקישור במייל ששלחנו כדי לאשר.",
      notifyActive: "תקבלו מייל כשמישהו יגיב.", preview: "תצוגה מקדימה", previewEmpty: "אין עדיין מה להציג.",
      report: "דיווח", reported: "דווח", reportTitle: "דיווח על התגובה למנהלים", reportReason: "למה?", reasonSpam: "ספאם",
      reasonAbuse: "פוגעני או מעורר שנאה", reasonOffTopic: "לא קשור לנושא", reasonOther: "משהו אחר",
      reportNote: "משהו שהמנהלים צריכים לדעת? (לא חובה)", reportSend: "שליחת דיווח", reportThanks: "תודה. מנהל יבדוק את התגובה.",
      reportGone: "התגובה כבר לא מוצגת.", pinned: "נעוצה", signIn: "התחברות", signInWith: "התחברות עם {name}",
      signInMail: "שלחו לי קישור התחברות במייל", signInMailSent: "בדקו את המייל: פתחו את הקישור ששלחנו אל {email} כדי להתחבר.",
      signInPrompt: "התחברו כדי להגיב.", signInOptional: "או התחברו והגיבו בשם החשבון שלכם:", signedInAs: "מחוברים בתור {name}",
      verified: "מאומת", verifiedTitle: "קורא מחובר", signOut: "התנתקות", myData: "הורדת הנתונים שלי", eraseMe: "מחיקת החשבון שלי",
      confirmErase: "למחוק את החשבון ואת כל התגובות שכתבתם בזמן שהייתם מחוברים? אי אפשר לבטל זאת.", erased: "החשבון והתגובות שלו נמחקו.",
      replyMails: "שלחו לי במייל תשובות לתגובות שלי", emailForLink: "האימייל שלכם", popupBlocked: "אפשרו חלונות קופצים בדף זה כדי להתחבר.",
      liveNew1: "תגובה חדשה אחת - הצגה", liveNewN: "{n} תגובות חדשות - הצגה" },
    fa: { loadingComments: "در حال بارگذاری دیدگاه‌ها...", loadingPosts: "در حال بارگذاری نوشته‌ها...", loadingTags: "در حال بارگذاری برچسب‌ها...",
      loadingLike: "در حال بارگذاری...", failed: "اکنون بارگذاری ممکن نیست.", retry: "تلاش دوباره",
      network: "دسترسی به سرویس دیدگاه ممکن نیست. اتصال خود را بررسی کنید و دوباره تلاش کنید.",
      tooFast: "خیلی سریع می‌نویسید. {s} ثانیه صبر کنید و دوباره تلاش کنید.", unavailable: "سرویس دیدگاه مشغول است. کمی بعد دوباره تلاش کنید.",
      count0: "هنوز دیدگاهی نیست", count1: "۱ دیدگاه", countN: "{n} دیدگاه", sort: "ترتیب", oldest: "قدیمی‌ترین", newest: "جدیدترین",
      top: "محبوب‌ترین", more: "دیدگاه‌های بیشتر", leave: "دیدگاه بگذارید", replyTo: "پاسخ به {name}", name: "نام",
      email: "ایمیل (اختیاری، نمایش داده نمی‌شود)", website: "وب‌سایت (اختیاری)", comment: "دیدگاه",
      hint: "مارک‌داون: **پررنگ**، _کج_، [پیوند](https://...)، `کد`", submit: "ارسال دیدگاه", sending: "در حال ارسال...",
      reply: "پاسخ", cancel: "انصراف", edit: "ویرایش", save: "ذخیره", del: "حذف", confirmDelete: "این دیدگاه حذف شود؟",
      deleted: "این دیدگاه حذف شد.", pending: "در انتظار بررسی",
      pendingNotice: "سپاس! دیدگاه شما در انتظار بررسی است؛ تا تأیید فقط شما آن را می‌بینید.", posted: "سپاس! دیدگاه شما منتشر شد.",
      editPending: "ذخیره شد. ویرایش شما در انتظار بررسی است.", likeQ: "{title} را دوست دارید؟", likeN: "{n} پسند", like1: "۱ پسند",
      likeComment: "پسند", noComments: "هنوز دیدگاهی نیست.", noTags: "هنوز برچسبی نیست.", noPosts: "هنوز نوشته‌ای نیست.",
      on: "در", edited: "ویرایش‌شده", honeypot: "این فیلد را خالی بگذارید", notify: "پاسخ‌ها را به من ایمیل کن",
      notifyNeedsEmail: "برای دریافت پاسخ‌ها، ایمیل خود را بالا بنویسید.",
      notifyConfirm: "برای تأیید، پیوند ایمیلی را که فرستادیم باز کنید.",
      notifyActive: "وقتی کسی پاسخ دهد ایمیل می‌گیرید.", preview: "پیش‌نمایش", previewEmpty: "هنوز چیزی برای پیش‌نمایش نیست.",
      report: "گزارش", reported: "گزارش شد", reportTitle: "گزارش این دیدگاه به مدیران", reportReason: "چرا؟", reasonSpam: "هرزنامه",
      reasonAbuse: "توهین‌آمیز یا نفرت‌پراکن", reasonOffTopic: "بی‌ربط به موضوع", reasonOther: "دلیل دیگر",
      reportNote: "چیزی هست که مدیران باید بدانند؟ (اختیاری)", reportSend: "ارسال گزارش",
      reportThanks: "سپاس. یکی از مدیران آن را بررسی می‌کند.", reportGone: "این دیدگاه دیگر نمایش داده نمی‌شود.", pinned: "سنجاق‌شده",
      signIn: "ورود", signInWith: "ورود با {name}", signInMail: "پیوند ورود را برایم ایمیل کن",
      signInMailSent: "ایمیل خود را ببینید: برای ورود، پیوندی را که به {email} فرستادیم باز کنید.",
      signInPrompt: "برای نوشتن دیدگاه وارد شوید.", signInOptional: "یا وارد شوید و با نام حساب خود دیدگاه بنویسید:",
      signedInAs: "واردشده با نام {name}", verified: "تأییدشده", verifiedTitle: "خواننده‌ای که وارد شده است", signOut: "خروج",
      myData: "دریافت داده‌های من", eraseMe: "حذف حساب من",
      confirmErase: "حساب شما و همهٔ دیدگاه‌هایی که پس از ورود نوشته‌اید حذف شود؟ این کار بازگشت‌پذیر نیست.",
      erased: "حساب شما و دیدگاه‌هایش حذف شد.", replyMails: "پاسخ‌ها به دیدگاه‌هایم را به من ایمیل کن", emailForLink: "ایمیل شما",
      popupBlocked: "برای ورود، پنجره‌های بازشو را برای این صفحه مجاز کنید.", liveNew1: "۱ دیدگاه تازه - نمایش",
      liveNewN: "{n} دیدگاه تازه - نمایش" }
  };
  var RTL = { ar: 1, he: 1, fa: 1, ur: 1 };
  var LANG = null; /* the shipped language in use (null: English, or the page's own strings) */
  function pickLanguage(script) {
    var wanted = ((script && script.getAttribute("data-lang")) || document.documentElement.lang || "").toLowerCase();
    var primary = wanted.split(/[-_]/)[0];
    return LOCALES[wanted] ? wanted : LOCALES[primary] ? primary : null;
  }
  function localize(node) {
    if (!LANG) return;
    node.setAttribute("lang", LANG);
    if (RTL[LANG]) node.setAttribute("dir", "rtl");
  }
  LANG = pickLanguage(script);
  [LANG ? LOCALES[LANG] : {}, custom].forEach(function (strings) {
    for (var key in strings) if (Object.prototype.hasOwnProperty.call(strings, key)) S[key] = strings[key];
  });

  var memory = {};
  function load(key, fallback) {
    try { var v = localStorage.getItem(key); return v === null ? fallback : JSON.parse(v); }
    catch (e) { return key in memory ? memory[key] : fallback; }
  }
  function store(key, value) {
    memory[key] = value;
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode: memory only */ }
  }
  function readerToken() {
    var token = load("cs-reader-token", null);
    if (typeof token !== "string" || token.length < 16) {
      var bytes = new Uint8Array(16);
      (window.crypto || window.msCrypto).getRandomValues(bytes);
      token = Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
      store("cs-reader-token", token);
    }
    return token;
  }

  function api(method, path, body, headers) {
    var h = { Accept: "application/json" };
    if (body !== undefined) h["Content-Type"] = "application/json";
    sessionHeader(h); /* reader accounts */
    for (var name in headers || {}) h[name] = headers[name];
    return fetch(API + path, { method: method, headers: h, mode: "cors", credentials: "omit",
      body: body === undefined ? undefined : JSON.stringify(body) })
      .then(function (r) {
        var res = { ok: r.ok, status: r.status, retry: r.headers.get("Retry-After"), data: null };
        if (r.status === 204) return res;
        return r.json().then(function (d) { res.data = d; sessionCheck(res); return res; }, function () { return res; });
      });
  }
  function problem(res) {
    if (!res) return t("network");
    if (res.status === 429) return t("tooFast", { s: res.retry || 60 });
    if (res.status === 503) return t("unavailable");
    return (res.data && res.data.error && res.data.error.message) || t("failed");
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var key in attrs || {}) {
      var v = attrs[key];
      if (v === null || v === undefined || v === false) continue;
      if (key === "text") node.textContent = v;
      else if (key === "className") node.className = v;
      else if (key.slice(0, 2) === "on") node.addEventListener(key.slice(2), v);
      else node.setAttribute(key, v === true ? "" : v);
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  // The service's URL rule, the same patterns as comments_service/urls.py: a path on the site or an http(s)
  // URL, with nothing a browser reads otherwise than it looks (backslashes, tabs, controls, "//").
  var URL_BAD = new RegExp("[\\x00-\\x20\\x7f-\\x9f\\\\\\u00a0\\u00ad\\u1680\\u180e\\u2000-\\u200f\\u2028-\\u202f\\u205f-\\u206f\\u3000\\ufeff]|%5c", "i");
  var URL_SHAPE = new RegExp("^(?:/(?![/\\\\]|%2f)|https?://(?:(?:[a-z0-9_-]+\\.)*[a-z_-][a-z0-9_-]*|(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3})(?::(?:[0-9]{1,4}|[1-5][0-9]{4}))?(?=[/?#]|$))", "i");
  function safeUrl(url) { return typeof url === "string" && !URL_BAD.test(url) && URL_SHAPE.test(url) ? url : null; }

  function timeEl(iso) {
    var date = new Date(iso), diff = (date.getTime() - Date.now()) / 1000, text = date.toLocaleString(LANG || undefined);
    if (window.Intl && Intl.RelativeTimeFormat) {
      var rtf = new Intl.RelativeTimeFormat(LANG || undefined, { numeric: "auto" });
      var units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
      text = rtf.format(Math.round(diff), "second");
      for (var i = 0; i < units.length; i++) {
        if (Math.abs(diff) >= units[i][1]) { text = rtf.format(Math.round(diff / units[i][1]), units[i][0]); break; }
      }
    }
    return el("time", { datetime: iso, title: date.toLocaleString(LANG || undefined), text: text });
  }

  function identicon(hash) {
    var ns = "http://www.w3.org/2000/svg", svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 5 5"); svg.setAttribute("class", "cs-avatar"); svg.setAttribute("aria-hidden", "true");
    hash = /^[0-9a-f]{16,}$/.test(hash || "") ? hash : "0000000000000000";
    var color = "hsl(" + (parseInt(hash.slice(0, 6), 16) % 360) + ",55%,52%)";
    for (var i = 0; i < 15; i++) {
      if (parseInt(hash.charAt(6 + (i % 10)), 16) + i % 3 < 8) continue;
      var x = Math.floor(i / 5), y = i % 5;
      [x, 4 - x].forEach(function (cx) {
        var r = document.createElementNS(ns, "rect");
        r.setAttribute("x", cx); r.setAttribute("y", y); r.setAttribute("width", 1); r.setAttribute("height", 1);
        r.setAttribute("fill", color); svg.appendChild(r);
      });
    }
    return svg;
  }

  function loading(root, key) {
    clear(root).appendChild(el("p", { className: "cs-loading", role: "status", text: t(key) }));
  }
  function failed(root, res, again) {
    clear(root).appendChild(el("p", { className: "cs-error", role: "alert" },
      [problem(res) + " ", el("button", { type: "button", className: "cs-link", text: t("retry"), onclick: again })]));
  }
  function get(root, key, path, render, headers, missing, part) {
    var again = function () { get(root, key, path, render, headers, missing); };
    var own = function () { return api("GET", path, undefined, headers); };
    loading(root, key);
    (part ? fromPage(part, root, own) : own()).then(function (res) {
      if (res.ok) render(res.data);
      else if (res.status === 404 && missing) render(missing); /* a post nobody has commented on yet */
      else failed(root, res, again);
    }, function () { failed(root, null, again); });
  }

  /* ---- comments ---- */
  function Thread(root) {
    this.root = root; this.slug = root.getAttribute("data-post"); this.sort = "oldest";
    this.edits = load("cs-edit-tokens", {});
    liveThread(this); /* live updates: see that section */
    this.start();
  }
  Thread.prototype.start = function () {
    var self = this;
    get(this.root, "loadingComments", this.path(), function (data) { self.render(data); }, undefined,
      { post: { comment_count: 0 }, comments: [], next_cursor: null }, "thread");
  };
  Thread.prototype.path = function (cursor) {
    return "/api/posts/" + encodeURIComponent(this.slug) + "/comments?sort=" + this.sort + (cursor ? "&cursor=" + encodeURIComponent(cursor) : "");
  };
  Thread.prototype.render = function (data) {
    var self = this, root = clear(this.root);
    this.count = el("h3", { className: "cs-title" });
    this.setCount(data.post.comment_count);
    var sort = el("select", { "aria-label": t("sort"), onchange: function () { self.sort = sort.value; self.reload(); } },
      ["oldest", "newest", "top"].map(function (s) { return el("option", { value: s, text: t(s), selected: s === self.sort }); }));
    this.notice = el("p", { className: "cs-notice", role: "status", "aria-live": "polite" });
    this.list = el("ul", { className: "cs-list" });
    this.liveNotice = null; this.livePending = []; /* what waited is in the fresh data */
    this.more = el("button", { type: "button", className: "cs-button cs-more", text: t("more"), onclick: function () { self.loadMore(); } });
    root.appendChild(el("div", { className: "cs-head" }, [this.count, el("label", { className: "cs-sort" }, [t("sort") + " ", sort])]));
    root.appendChild(accountBar(this));
    root.appendChild(this.form(null));
    root.appendChild(this.notice);
    root.appendChild(this.list);
    root.appendChild(this.more);
    this.append(data);
  };
  Thread.prototype.reload = function () {
    var self = this;
    api("GET", this.path()).then(function (res) {
      if (!res.ok) return self.say(problem(res), true);
      clear(self.list); self.append(res.data);
    }, function () { self.say(t("network"), true); });
  };
  Thread.prototype.setCount = function (n) {
    this.count.textContent = n === 0 ? t("count0") : n === 1 ? t("count1") : t("countN", { n: n });
  };
  Thread.prototype.append = function (data) {
    var self = this, seen = {};
    (function mark(list) { list.forEach(function (c) { seen[c.id] = true; mark(c.replies || []); }); })(data.comments);
    data.comments.forEach(function (c) { self.list.appendChild(self.item(c)); });
    this.cursor = data.next_cursor;
    this.more.hidden = !data.next_cursor;
    var mine = load("cs-pending", {}), changed = false;
    Object.keys(mine).forEach(function (id) {
      var c = mine[id];
      if (seen[id] || new Date(c.edit_until).getTime() + 7 * 86400000 < Date.now()) { delete mine[id]; changed = true; return; }
      if (c.post !== self.slug || self.root.querySelector('[data-id="' + c.id + '"]')) return;
      self.place(c);
    });
    if (changed) store("cs-pending", mine);
    if (!this.list.firstChild) this.list.appendChild(el("li", { className: "cs-empty", text: t("noComments") }));
  };
  Thread.prototype.place = function (c) {
    var parent = c.parent_id && this.root.querySelector('[data-id="' + c.parent_id + '"] > .cs-replies');
    var empty = this.list.querySelector(".cs-empty");
    if (empty) empty.parentNode.removeChild(empty);
    (parent || this.list).appendChild(this.item(c));
  };
  Thread.prototype.loadMore = function () {
    var self = this;
    this.more.disabled = true;
    api("GET", this.path(this.cursor)).then(function (res) {
      self.more.disabled = false;
      if (res.ok) self.append(res.data); else self.say(problem(res), true);
    }, function () { self.more.disabled = false; self.say(t("network"), true); });
  };
  Thread.prototype.say = function (text, error) {
    this.notice.textContent = text;
    this.notice.className = "cs-notice" + (error ? " cs-error" : " cs-ok");
  };
  Thread.prototype.item = function (c) {
    var self = this, own = this.edits[c.id], li = el("li", { className: "cs-comment", "data-id": c.id });
    var body = el("div", { className: "cs-body" });
    if (c.deleted) {
      body.appendChild(el("p", { className: "cs-muted", text: t("deleted") }));
    } else {
      body.innerHTML = c.body_html; /* sanitized by the service (bleach allow-list) */
      var site = safeUrl(c.website);
      var author = site ? el("a", { href: site, rel: "nofollow ugc noopener", className: "cs-author", text: c.author })
        : el("span", { className: "cs-author", text: c.author });
      li.appendChild(el("div", { className: "cs-meta" }, [identicon(c.avatar), author, c.verified ? verifiedMark() : null, " ", timeEl(c.created_at),
        c.edited_at ? el("span", { className: "cs-muted", text: " · " + t("edited") }) : null,
        c.pinned ? pinnedBadge() : null,
        c.status === "pending" ? el("span", { className: "cs-badge", text: t("pending") }) : null]));
    }
    li.appendChild(body);
    var actions = el("div", { className: "cs-actions" });
    if (!c.deleted && c.status !== "pending") {
      var liked = load("cs-liked-comments", {});
      var like = el("button", { type: "button", className: "cs-link cs-clike", "aria-pressed": liked[c.id] ? "true" : "false",
        "aria-label": likeName(c.like_count || 0), text: "\u2665 " + (c.like_count || 0) });
      like.addEventListener("click", function () { self.likeComment(c, like); });
      actions.appendChild(like);
      actions.appendChild(el("button", { type: "button", className: "cs-link cs-reply", text: t("reply"),
        onclick: function () { self.openReply(c, li); } }));
      actions.appendChild(reportButton(c, li));
    }
    if (own && new Date(own.until).getTime() > Date.now() && !c.deleted) {
      actions.appendChild(el("button", { type: "button", className: "cs-link", text: t("edit"), onclick: function () { self.edit(c, li, body); } }));
      actions.appendChild(el("button", { type: "button", className: "cs-link", text: t("del"), onclick: function () { self.remove(c, li); } }));
    }
    li.appendChild(actions);
    var replies = el("ul", { className: "cs-replies" });
    (c.replies || []).forEach(function (r) { replies.appendChild(self.item(r)); });
    li.appendChild(replies);
    return li;
  };
  Thread.prototype.likeComment = function (c, button) {
    var liked = load("cs-liked-comments", {}), on = button.getAttribute("aria-pressed") !== "true";
    api(on ? "POST" : "DELETE", "/api/comments/" + c.id + "/likes", undefined, { "X-Reader-Token": readerToken() }).then(function (res) {
      if (!res.ok) return;
      if (res.data.liked) liked[c.id] = true; else delete liked[c.id];
      store("cs-liked-comments", liked);
      button.setAttribute("aria-pressed", res.data.liked ? "true" : "false");
      button.textContent = "\u2665 " + res.data.like_count;
      button.setAttribute("aria-label", likeName(res.data.like_count));
    });
  };
  /* A comment's like button shows "\u2665 3": its name says the count too (WCAG 2.5.3, label in name). */
  function likeName(n) { return n === 1 ? t("like1") : t("likeN", { n: n }); }
  Thread.prototype.openReply = function (c, li) {
    var open = this.root.querySelector(".cs-reply-form");
    if (open) open.parentNode.removeChild(open);
    var form = this.form(c);
    li.insertBefore(form, li.querySelector(".cs-replies"));
    form.querySelector("textarea").focus();
  };
  Thread.prototype.form = function (parent) {
    var self = this, saved = load("cs-author", {}), uid = "cs" + Math.random().toString(36).slice(2, 8);
    function field(name, label, input) {
      input.id = uid + "-" + name; input.name = name;
      return el("div", { className: "cs-field" }, [el("label", { "for": input.id, text: label }), input,
        el("span", { className: "cs-field-error", id: input.id + "-error", "aria-live": "polite" })]);
    }
    var form = el("form", { className: "cs-form" + (parent ? " cs-reply-form" : ""), novalidate: true });
    form.appendChild(el("h4", { className: "cs-form-title", text: parent ? t("replyTo", { name: parent.author }) : t("leave") }));
    form.appendChild(el("div", { className: "cs-row" }, [
      field("author", t("name"), el("input", { type: "text", required: true, maxlength: 80, autocomplete: "name", value: saved.author || "" })),
      field("email", t("email"), el("input", { type: "email", maxlength: 254, autocomplete: "email", value: saved.email || "" })),
      field("website", t("website"), el("input", { type: "url", maxlength: 2000, autocomplete: "url", value: saved.website || "" }))]));
    form.appendChild(field("body", t("comment"), el("textarea", { required: true, rows: 4, maxlength: 10000, "aria-describedby": uid + "-hint" })));
    form.appendChild(el("p", { className: "cs-hint", id: uid + "-hint", text: t("hint") }));
    form.appendChild(previewControls(form, uid));
    /* Reply mails need an address: the box is enabled while one is typed. */
    var email = form.querySelector("input[type=email]");
    var notify = el("input", { type: "checkbox", name: "notify", id: uid + "-notify", className: "cs-check-input",
      "aria-describedby": uid + "-notify-hint" });
    var notifyHint = el("span", { className: "cs-hint", id: uid + "-notify-hint" });
    function notifyState() {
      var has = !!email.value.trim();
      notify.disabled = !has;
      if (!has) notify.checked = false;
      notifyHint.textContent = has ? "" : t("notifyNeedsEmail");
    }
    email.addEventListener("input", notifyState);
    notifyState();
    form.appendChild(el("div", { className: "cs-check" }, [notify, el("label", { "for": notify.id, text: t("notify") }), notifyHint]));
    /* Honeypot: people never see or fill it; bots that fill every field get marked as spam. */
    form.appendChild(el("div", { className: "cs-hp", "aria-hidden": "true" }, [el("label", { text: t("honeypot") },
      [el("input", { type: "text", name: "website_confirm", tabindex: "-1", autocomplete: "off" })])]));
    var status = el("p", { className: "cs-form-status", role: "status", "aria-live": "polite" });
    var submit = el("button", { type: "submit", className: "cs-button", text: t("submit") });
    form.appendChild(el("div", { className: "cs-row" }, [submit,
      parent ? el("button", { type: "button", className: "cs-link", text: t("cancel"), onclick: function () { form.parentNode.removeChild(form); } }) : null,
      status]));
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var value = function (n) { return form.elements[n].value; };
      var body = { author: value("author").trim(), body: value("body") };
      ["email", "website"].forEach(function (n) { if (value(n).trim()) body[n] = value(n).trim(); });
      if (value("website_confirm")) body.website_confirm = value("website_confirm");
      if (parent) body.parent_id = parent.id;
      if (form.elements.notify.checked && body.email) body.notify = true;
      Array.prototype.forEach.call(form.querySelectorAll(".cs-field-error"), function (e) { e.textContent = ""; });
      Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (e) { e.removeAttribute("aria-invalid"); });
      submit.disabled = true; status.textContent = t("sending"); status.className = "cs-form-status";
      api("POST", "/api/posts/" + encodeURIComponent(self.slug) + "/comments", body, { "X-Reader-Token": readerToken() })
        .then(function (res) { submit.disabled = false; status.textContent = ""; self.posted(res, form, body, status); },
          function () { submit.disabled = false; status.textContent = t("network"); status.className = "cs-form-status cs-error"; });
    });
    accountForm(this, form);
    return form;
  };
  Thread.prototype.posted = function (res, form, sent, status) {
    if (!res.ok) {
      var fields = res.data && res.data.error && res.data.error.fields;
      if (res.status === 422 && fields) {
        Object.keys(fields).forEach(function (name) {
          var input = form.elements[name === "parent_id" ? "body" : name];
          var holder = input && form.querySelector("#" + input.id + "-error");
          if (holder) { holder.textContent = fields[name].join(" "); input.setAttribute("aria-invalid", "true"); }
          else { status.textContent = fields[name].join(" "); }
        });
      } else {
        status.textContent = problem(res);
      }
      status.className = "cs-form-status cs-error";
      return;
    }
    var c = res.data;
    store("cs-author", { author: sent.author, email: sent.email || "", website: sent.website || "" });
    this.edits[c.id] = { token: c.edit_token, until: c.edit_until, text: sent.body };
    store("cs-edit-tokens", this.edits);
    c.post = this.slug;
    var told = c.subscription === "confirm" ? " " + t("notifyConfirm") : c.subscription === "active" ? " " + t("notifyActive") : "";
    if (c.status === "pending") {
      var mine = load("cs-pending", {}); mine[c.id] = c; store("cs-pending", mine);
      this.say(t("pendingNotice") + told);
    } else {
      this.say(t("posted") + told);
      this.setCount((parseInt((this.count.textContent.match(/\d+/) || ["0"])[0], 10) || 0) + 1);
    }
    if (form.classList.contains("cs-reply-form")) form.parentNode.removeChild(form);
    else form.elements.body.value = "";
    this.place(c);
  };
  Thread.prototype.edit = function (c, li, body) {
    var self = this, own = this.edits[c.id];
    var area = el("textarea", { rows: 4, "aria-label": t("edit"), maxlength: 10000 });
    area.value = own.text || body.textContent;
    var box = el("div", { className: "cs-edit" }, [area, el("div", { className: "cs-row" }, [
      el("button", { type: "button", className: "cs-button", text: t("save"), onclick: function () {
        api("PATCH", "/api/comments/" + c.id, { body: area.value }, { "X-Edit-Token": own.token }).then(function (res) {
          if (!res.ok) return self.say(problem(res), true);
          own.text = area.value; store("cs-edit-tokens", self.edits);
          res.data.status = res.data.status || c.status;
          var fresh = self.item(res.data), shown = liveShown(self, c.id) || li;
          if (shown.parentNode) shown.parentNode.replaceChild(fresh, shown);
          if (res.data.status === "pending") {
            var mine = load("cs-pending", {}); res.data.post = self.slug; mine[c.id] = res.data; store("cs-pending", mine);
            self.say(t("editPending"));
          }
        }, function () { self.say(t("network"), true); });
      } }),
      el("button", { type: "button", className: "cs-link", text: t("cancel"), onclick: function () { box.parentNode.replaceChild(body, box); } })])]);
    li.replaceChild(box, body);
    area.focus();
  };
  Thread.prototype.remove = function (c, li) {
    var self = this;
    if (!window.confirm(t("confirmDelete"))) return;
    api("DELETE", "/api/comments/" + c.id, undefined, { "X-Edit-Token": this.edits[c.id].token }).then(function (res) {
      if (!res.ok) return self.say(problem(res), true);
      delete self.edits[c.id]; store("cs-edit-tokens", self.edits);
      var mine = load("cs-pending", {}); delete mine[c.id]; store("cs-pending", mine);
      var shown = liveShown(self, c.id) || li; /* a live update may have replaced the node meanwhile */
      if (shown.parentNode) shown.parentNode.removeChild(shown);
    }, function () { self.say(t("network"), true); });
  };

  /* ---- Markdown preview: rendered by the service through the comments' own sanitizer (POST /api/preview) ---- */
  function previewControls(form, uid) {
    var area = form.querySelector("textarea"), timer = null;
    var box = el("div", { className: "cs-preview cs-body", id: uid + "-preview", role: "region", "aria-label": t("preview"),
      "aria-live": "polite", hidden: true });
    var button = el("button", { type: "button", className: "cs-link cs-preview-toggle", "aria-expanded": "false",
      "aria-controls": box.id, text: t("preview") });
    function say(text, error) { clear(box).appendChild(el("p", { className: error ? "cs-error" : "cs-muted", text: text })); }
    function show() {
      var text = area.value;
      if (!text.trim()) return say(t("previewEmpty"));
      api("POST", "/api/preview", { body: text }).then(function (res) {
        if (box.hidden || area.value !== text) return;
        var fields = res.data && res.data.error && res.data.error.fields;
        if (res.ok) box.innerHTML = res.data.body_html; /* sanitized by the service (bleach allow-list), as a posted comment */
        else say(fields && fields.body ? fields.body.join(" ") : problem(res), true);
      }, function () { say(t("network"), true); });
    }
    function toggle(open) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      box.hidden = !open;
      if (open) show();
    }
    button.addEventListener("click", function () { toggle(button.getAttribute("aria-expanded") !== "true"); });
    area.addEventListener("input", function () {
      clearTimeout(timer);
      if (!box.hidden) timer = setTimeout(show, 1200); /* within RATELIMIT_PREVIEWS' default of 30 a minute */
    });
    form.addEventListener("submit", function () { clearTimeout(timer); toggle(false); });
    return el("div", { className: "cs-preview-wrap" }, [button, box]);
  }
  /* ---- community moderation: "Report" on every comment, the "Pinned" badge ---- */
  var COMMUNITY_STRINGS = {
    report: "Report", reported: "Reported", reportTitle: "Report this comment to the moderators",
    reportReason: "Why?", reasonSpam: "Spam", reasonAbuse: "Abusive or hateful", reasonOffTopic: "Off-topic",
    reasonOther: "Something else", reportNote: "Anything the moderators should know? (optional)",
    reportSend: "Send report", reportThanks: "Thank you. A moderator will look at it.",
    reportGone: "This comment is no longer shown.", pinned: "Pinned"
  };
  /* English only where neither the page's language nor CommentWidgetStrings has the text */
  for (var ck in COMMUNITY_STRINGS) if (!(ck in S)) S[ck] = COMMUNITY_STRINGS[ck];
  var REPORT_REASONS = [["spam", "reasonSpam"], ["abuse", "reasonAbuse"], ["off-topic", "reasonOffTopic"], ["other", "reasonOther"]];
  function pinnedBadge() {
    return el("span", { className: "cs-badge cs-pinned", text: t("pinned") });
  }
  function reportButton(c, li) {
    var done = load("cs-reported", {})[c.id];
    var button = el("button", { type: "button", className: "cs-link cs-report", text: done ? t("reported") : t("report"),
      title: t("reportTitle"), disabled: !!done, "aria-expanded": "false" });
    button.addEventListener("click", function () { openReport(c, li, button); });
    return button;
  }
  function openReport(c, li, button) {
    var open = li.querySelector(":scope > .cs-report-box");
    if (open) { open.parentNode.removeChild(open); button.setAttribute("aria-expanded", "false"); return; }
    var uid = "csr" + c.id + "-" + Math.random().toString(36).slice(2, 6);
    var reason = el("select", { id: uid + "-reason" }, REPORT_REASONS.map(function (r) { return el("option", { value: r[0], text: t(r[1]) }); }));
    var note = el("textarea", { id: uid + "-note", rows: 2, maxlength: 500 });
    var status = el("p", { className: "cs-form-status", role: "status", "aria-live": "polite" });
    var send = el("button", { type: "submit", className: "cs-button", text: t("reportSend") });
    var box = el("form", { className: "cs-report-box", "aria-label": t("reportTitle") }, [
      el("div", { className: "cs-field" }, [el("label", { "for": reason.id, text: t("reportReason") }), reason]),
      el("div", { className: "cs-field" }, [el("label", { "for": note.id, text: t("reportNote") }), note]),
      el("div", { className: "cs-row" }, [send, el("button", { type: "button", className: "cs-link", text: t("cancel"),
        onclick: function () { box.parentNode.removeChild(box); button.setAttribute("aria-expanded", "false"); button.focus(); } }), status])]);
    box.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = { reason: reason.value };
      if (note.value.trim()) body.note = note.value.trim();
      send.disabled = true; status.textContent = t("sending"); status.className = "cs-form-status";
      api("POST", "/api/comments/" + c.id + "/reports", body, { "X-Reader-Token": readerToken() }).then(function (res) {
        send.disabled = false;
        if (res.ok || res.status === 404) {
          var mine = load("cs-reported", {}); mine[c.id] = true; store("cs-reported", mine);
          button.textContent = t("reported"); button.disabled = true; button.setAttribute("aria-expanded", "false");
          box.parentNode.replaceChild(el("p", { className: "cs-notice cs-ok cs-report-done", role: "status",
            text: res.ok ? t("reportThanks") : t("reportGone") }), box);
        } else {
          status.textContent = problem(res); status.className = "cs-form-status cs-error";
        }
      }, function () { send.disabled = false; status.textContent = t("network"); status.className = "cs-form-status cs-error"; });
    });
    li.insertBefore(box, li.querySelector(":scope > .cs-replies"));
    button.setAttribute("aria-expanded", "true");
    reason.focus();
  }
  var COMMUNITY_CSS = ".cs-report-box{background:var(--cs-soft);border:1px solid var(--cs-line);border-radius:8px;padding:10px 12px;margin:6px 0;max-width:32em}" +
    ".cs-report:disabled{color:var(--cs-muted);cursor:default}.cs-pinned{background:#ddf4ff;color:#0a3069;font-weight:600}.cs-pinned:before{content:'';display:inline-block;width:.5em;height:.5em;margin-inline-end:4px;border-radius:50%;background:currentColor}" +
    "@media (prefers-color-scheme:dark){.cs-pinned{background:#0c2d6b;color:#cae8ff}}";

  /* ---- like button ---- */
  function Like(root) {
    var slug = root.getAttribute("data-post"), label = root.getAttribute("data-title");
    var token = { "X-Reader-Token": readerToken() }, path = "/api/posts/" + encodeURIComponent(slug);
    function draw(title, count, liked) {
      var button = el("button", { type: "button", className: "cs-like-button", "aria-pressed": liked ? "true" : "false" },
        [el("span", { className: "cs-heart", "aria-hidden": "true", text: "\u2665" }), " ",
          el("span", { text: t("likeQ", { title: label || title }) }), " ",
          el("span", { className: "cs-like-count", text: count === 1 ? t("like1") : t("likeN", { n: count }) })]);
      button.addEventListener("click", function () {
        button.disabled = true;
        var on = button.getAttribute("aria-pressed") !== "true";
        api(on ? "POST" : "DELETE", path + "/likes", undefined, token).then(function (res) {
          button.disabled = false;
          if (res.ok) draw(title, res.data.like_count, res.data.liked);
          else clear(root).appendChild(el("p", { className: "cs-error", role: "alert", text: problem(res) }));
        }, function () { button.disabled = false; root.appendChild(el("p", { className: "cs-error", role: "alert", text: t("network") })); });
      });
      clear(root).appendChild(button);
      return button;
    }
    loading(root, "loadingLike");
    fromPage("post", root, function () { return api("GET", path, undefined, token); }).then(function (res) {
      if (res.ok) draw(res.data.title, res.data.like_count, res.data.liked);
      else if (res.status === 404) draw(slug, 0, false);
      else failed(root, res, function () { Like(root); });
    }, function () { failed(root, null, function () { Like(root); }); });
  }

  /* ---- sidebar widgets ---- */
  function RecentComments(root) {
    get(root, "loadingComments", "/api/widgets/recent-comments?limit=" + pageLimit(root), function (data) {
      clear(root).appendChild(data.comments.length ? el("ul", { className: "cs-plain" }, data.comments.map(function (c) {
        var link = safeUrl(c.post.url);
        return el("li", { "data-id": c.id }, [el("span", { className: "cs-author", text: c.author }), " " + t("on") + " ",
          link ? el("a", { href: link, text: c.post.title }) : el("span", { text: c.post.title }),
          el("div", { className: "cs-excerpt", text: c.excerpt }), timeEl(c.created_at)]);
      })) : el("p", { className: "cs-muted", text: t("noComments") }));
    }, undefined, undefined, "recent-comments");
  }
  function PopularTags(root) {
    var template = root.getAttribute("data-tag-url");
    get(root, "loadingTags", "/api/widgets/popular-tags?limit=" + pageLimit(root), function (data) {
      var max = Math.max.apply(null, data.tags.map(function (x) { return x.count; }).concat([1]));
      clear(root).appendChild(data.tags.length ? el("ul", { className: "cs-cloud" }, data.tags.map(function (tag) {
        var size = (0.85 + 0.75 * tag.count / max).toFixed(2) + "em", attrs = { text: tag.name, title: tag.count, style: "font-size:" + size };
        if (template) attrs.href = template.replace("{tag}", encodeURIComponent(tag.name));
        return el("li", {}, [el(template ? "a" : "span", attrs)]);
      })) : el("p", { className: "cs-muted", text: t("noTags") }));
    }, undefined, undefined, "popular-tags");
  }
  function RecentPosts(root) {
    get(root, "loadingPosts", "/api/widgets/recent-posts?limit=" + pageLimit(root), function (data) {
      clear(root).appendChild(data.posts.length ? el("ul", { className: "cs-plain" }, data.posts.map(function (p) {
        var link = safeUrl(p.url);
        return el("li", {}, [link ? el("a", { href: link, text: p.title }) : el("span", { text: p.title }),
          el("span", { className: "cs-muted", text: " (" + (p.comment_count === 1 ? t("count1") : t("countN", { n: p.comment_count })) + ")" })]);
      })) : el("p", { className: "cs-muted", text: t("noPosts") }));
    }, undefined, undefined, "recent-posts");
  }

  /* ---- one request per page view: the widgets' data from GET /api/page ---- */
  var PAGE = null, PAGE_NODES = {}; /* the page's answer (a promise), and which widget each of its parts is for */
  var PAGE_LIMITS = { "recent-comments": 5, "popular-tags": 20, "recent-posts": 5 };
  function pageLimit(node) { return node.getAttribute("data-limit") || PAGE_LIMITS[node.getAttribute("data-widget")]; }
  function loadPage(nodes) {
    var post = null, include = [], query = [];
    PAGE = null; PAGE_NODES = {};
    nodes.forEach(function (node) {
      var kind = node.getAttribute("data-widget"), slug = node.getAttribute("data-post");
      if (!post && slug && (kind === "comments" || kind === "like")) post = slug;
    });
    nodes.forEach(function (node) {
      var kind = node.getAttribute("data-widget"), slug = node.getAttribute("data-post");
      var part = kind === "comments" ? "thread" : kind === "like" ? "post" : kind in PAGE_LIMITS ? kind : null;
      /* A second widget of a kind, or one for another post, asks on its own. */
      if (!part || part in PAGE_NODES || ((part === "thread" || part === "post") && slug !== post)) return;
      PAGE_NODES[part] = node;
      include.push(part);
      if (kind in PAGE_LIMITS) query.push(part + ".limit=" + encodeURIComponent(pageLimit(node)));
    });
    if (!include.length) return;
    if (post) query.unshift("post=" + encodeURIComponent(post));
    PAGE = api("GET", "/api/page?" + query.concat(["include=" + include.join(",")]).join("&"), undefined,
      { "X-Reader-Token": readerToken() });
  }
  /* Counts on the same page (<span data-count="slug">) are count.js's work, in this page's language. */
  function loadCounts() {
    if (!document.querySelector("[data-count]") || document.querySelector('script[src$="/count.js"]')) return;
    document.head.appendChild(el("script", { src: API + "/count.js", "data-api": API, "data-one": t("count1"),
      "data-many": S.countN, async: true }));
  }
  /* A part of the page's answer for the widget it was asked for (once), else the widget's own request. */
  function fromPage(part, node, own) {
    if (!PAGE || PAGE_NODES[part] !== node) return own();
    delete PAGE_NODES[part];
    return PAGE.then(function (res) {
      var data = res.data;
      if (res.ok && data && part in data) {
        return { ok: true, status: 200, data: part === "thread" ? { post: data.post, comments: data.thread.comments,
          next_cursor: data.thread.next_cursor } : data[part] };
      }
      if (res.status === 404 && (part === "thread" || part === "post")) return res; /* no such post yet */
      return own();
    }, own);
  }

  var CSS = ".cs-root{--cs-fg:#1f2328;--cs-muted:#656d76;--cs-bg:#fff;--cs-soft:#f6f8fa;--cs-line:#d0d7de;--cs-accent:#0969da;--cs-err:#cf222e;--cs-ok:#1a7f37;--cs-accent-bg:#0969da;--cs-love:#e0245e;" +
    "color:var(--cs-fg);font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;text-align:start}" +
    "@media (prefers-color-scheme:dark){.cs-root{--cs-fg:#e6edf3;--cs-muted:#9198a1;--cs-bg:#0d1117;--cs-soft:#161b22;--cs-line:#3d444d;--cs-accent:#4493f8;--cs-err:#f85149;--cs-ok:#3fb950;--cs-accent-bg:#1f6feb;--cs-love:#ff7aa2}}" +
    ".cs-root *{box-sizing:border-box}.cs-root ul{list-style:none;margin:0;padding:0}.cs-root a{color:var(--cs-accent)}" +
    ".cs-head{display:flex;justify-content:space-between;align-items:center;gap:8px;flex-wrap:wrap}.cs-title{margin:0 0 8px;font-size:1.2em}" +
    ".cs-root select,.cs-root input,.cs-root textarea{font:inherit;color:var(--cs-fg);background:var(--cs-bg);border:1px solid var(--cs-line);border-radius:6px;padding:6px 8px;width:100%}" +
    ".cs-root select{width:auto}.cs-form{background:var(--cs-soft);border:1px solid var(--cs-line);border-radius:8px;padding:12px;margin:8px 0 16px}" +
    ".cs-form-title{margin:0 0 8px;font-size:1em}.cs-row{display:flex;gap:8px;flex-wrap:wrap;align-items:center}.cs-row>.cs-field{flex:1 1 180px}" +
    ".cs-field{margin-bottom:8px}.cs-field label{display:block;font-size:.85em;color:var(--cs-muted);margin-bottom:2px}" +
    ".cs-field-error,.cs-error{color:var(--cs-err)}.cs-field-error{font-size:.85em}.cs-ok{color:var(--cs-ok)}[aria-invalid=true]{border-color:var(--cs-err)!important}" +
    ".cs-hint{font-size:.8em;color:var(--cs-muted);margin:0 0 8px}.cs-check{display:flex;align-items:center;flex-wrap:wrap;gap:4px 8px;margin:0 0 8px}" +
    ".cs-root .cs-check-input{width:auto;margin:0}.cs-check label{font-size:.9em}.cs-check-input:disabled+label{color:var(--cs-muted)}.cs-check .cs-hint{margin:0;flex-basis:100%}" +
    ".cs-hp{position:absolute;left:-9999px;width:1px;height:1px;overflow:hidden}" +
    ".cs-button,.cs-like-button{font:inherit;cursor:pointer;border:1px solid var(--cs-line);border-radius:6px;padding:6px 14px;background:var(--cs-accent-bg);color:#fff}" +
    ".cs-button:disabled{opacity:.6}.cs-link{font:inherit;font-size:.85em;background:none;border:0;padding:2px 4px;color:var(--cs-accent);cursor:pointer}" +
    ".cs-root button:focus-visible,.cs-root a:focus-visible{outline:2px solid var(--cs-accent);outline-offset:2px}" +
    ".cs-comment{padding:10px 0;border-top:1px solid var(--cs-line)}.cs-replies .cs-comment{border-top:0;border-inline-start:2px solid var(--cs-line);padding-inline-start:12px;margin-inline-start:4px}" +
    ".cs-replies{margin-inline-start:16px!important}.cs-meta{display:flex;align-items:center;gap:6px;font-size:.9em;flex-wrap:wrap}.cs-avatar{width:24px;height:24px;border-radius:4px;background:var(--cs-soft)}" +
    ".cs-author{font-weight:600}.cs-root time,.cs-muted{color:var(--cs-muted);font-size:.9em}.cs-body{overflow-wrap:anywhere}.cs-body p{margin:4px 0}" +
    ".cs-body pre{background:var(--cs-soft);padding:8px;overflow:auto}.cs-badge{background:#fff8c5;color:#6f4e00;border-radius:10px;padding:0 8px;font-size:.8em}" +
    ".cs-clike[aria-pressed=true],.cs-like-button[aria-pressed=true] .cs-heart{color:var(--cs-love)}.cs-like-button{background:var(--cs-soft);color:var(--cs-fg)}" +
    ".cs-like-button[aria-pressed=true]{border-color:var(--cs-love)}.cs-heart{font-size:1.2em}.cs-more{margin-top:8px}.cs-notice{margin:4px 0}" +
    ".cs-plain li{padding:6px 0;border-bottom:1px solid var(--cs-line)}.cs-excerpt{font-size:.9em}.cs-cloud{display:flex;flex-wrap:wrap;gap:4px 10px;align-items:baseline}" +
    ".cs-loading{color:var(--cs-muted)}.cs-loading:before{content:'';display:inline-block;width:.8em;height:.8em;margin-inline-end:6px;border:2px solid var(--cs-line);border-top-color:var(--cs-accent);border-radius:50%;animation:cs-spin 1s linear infinite}" +
    /* What readers wrote takes its direction from its own text (English in an Arabic widget, and back). */
    ".cs-body>*,.cs-excerpt,.cs-author,.cs-plain a,.cs-cloud a{unicode-bidi:plaintext}" +
    ".cs-preview{border:1px dashed var(--cs-line);border-radius:6px;padding:4px 10px;margin:0 0 8px;background:var(--cs-bg)}.cs-preview-toggle{margin:0 0 6px}" +
    "@keyframes cs-spin{to{transform:rotate(360deg)}}";

  /* ---- reader accounts (optional sign-in) ----
   * The session token is kept in the blog page's localStorage ("cs-session") and sent as X-Reader-Session:
   * no cookie of the comment service. It comes from the blog's SSO token (data-sso on the script tag, or
   * CommentWidget.login(jwt)), from a sign-in popup's postMessage (accepted only from the service's origin),
   * or from the URL fragment a mailed link's page comes back with (#cs-session=...), removed at once. */
  var ACCOUNT_STRINGS = {
    signIn: "Sign in", signInWith: "Sign in with {name}", signInMail: "Mail me a sign-in link",
    signInMailSent: "Check your mail: open the link we sent to {email} to sign in.",
    signInPrompt: "Sign in to comment.", signInOptional: "Or sign in, and comment under your account's name:",
    signedInAs: "Signed in as {name}", verified: "verified", verifiedTitle: "A signed-in reader",
    signOut: "Sign out", myData: "Download my data", eraseMe: "Delete my account",
    confirmErase: "Delete your account and every comment you wrote while signed in? This cannot be undone.",
    erased: "Your account and its comments were deleted.", replyMails: "Mail me replies to my comments",
    emailForLink: "Your e-mail", popupBlocked: "Allow pop-ups for this page to sign in."
  };
  for (var ak in ACCOUNT_STRINGS) if (!(ak in S)) S[ak] = ACCOUNT_STRINGS[ak];
  var API_ORIGIN = API ? new URL(API, location.href).origin : location.origin;
  var methodsPromise = null;

  function currentSession() {
    var s = load("cs-session", null);
    return s && typeof s.token === "string" ? s : null;
  }
  function sessionHeader(h) {
    var s = currentSession();
    if (s) h["X-Reader-Session"] = s.token;
  }
  function sessionCheck(res) {
    /* The service ended or expired the session: forget it, and show everything again as an anonymous reader. */
    if (res.status === 401 && res.data && res.data.error && res.data.error.code === "session_invalid" && currentSession()) {
      store("cs-session", null);
      setTimeout(refreshAll, 0);
    }
  }
  function signedIn(token, reader, sso) {
    store("cs-session", { token: token, reader: reader || null, sso: sso || null });
    if (reader) return refreshAll();
    api("GET", "/api/me").then(function (res) {
      var s = currentSession();
      if (res.ok && s && s.token === token) { s.reader = res.data.reader; store("cs-session", s); }
      refreshAll();
    });
  }
  function signOut() {
    var s = currentSession();
    if (!s) return Promise.resolve();
    return api("DELETE", "/api/session").then(function () { store("cs-session", null); refreshAll(); },
      function () { store("cs-session", null); refreshAll(); });
  }
  function ssoLogin(jwt) {
    var s = currentSession();
    if (s && s.sso === jwt) return Promise.resolve(s.reader);
    return api("POST", "/api/session", { sso: jwt }).then(function (res) {
      if (!res.ok) throw new Error(problem(res));
      signedIn(res.data.session, res.data.reader, jwt);
      return res.data.reader;
    });
  }
  function signInMethods() {
    if (!methodsPromise) methodsPromise = api("GET", "/api/session/methods").then(function (res) {
      return res.ok ? res.data : { anonymous: true, sso: false, mail: false, oidc: [] };
    }, function () { methodsPromise = null; return { anonymous: true, sso: false, mail: false, oidc: [] }; });
    return methodsPromise;
  }
  function refreshAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-cs-ready]"), function (node) {
      node.removeAttribute("data-cs-ready");
      clear(node);
    });
    init();
  }
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== API_ORIGIN || !data || data.type !== "cs-session" || typeof data.session !== "string") return;
    signedIn(data.session, data.reader);
  });
  (function fromFragment() {
    var found = /(?:^#|&)cs-session=([^&]+)/.exec(location.hash);
    if (!found) return;
    var rest = location.hash.replace(/(?:^#|&)cs-session=[^&]+/, "").replace(/^&/, "");
    history.replaceState(null, "", location.pathname + location.search + (rest ? "#" + rest : ""));
    signedIn(decodeURIComponent(found[1]), null);
  })();

  function openSignIn(name, say) {
    var url = API + "/accounts/oidc/" + encodeURIComponent(name) + "/start?origin=" + encodeURIComponent(location.origin);
    var popup = window.open(url, "cs-sign-in", "popup,width=520,height=680");
    if (!popup) say(t("popupBlocked"), true);
  }
  function download(name, data) {
    var link = el("a", { href: URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" })),
      download: name });
    document.body.appendChild(link); link.click(); document.body.removeChild(link);
  }
  /* The bar above a thread's form: who is signed in and their account's actions, or the ways to sign in. */
  function accountBar(thread) {
    var bar = el("div", { className: "cs-account" });
    var status = el("p", { className: "cs-account-status", role: "status", "aria-live": "polite" });
    function say(text, error) { status.textContent = text; status.className = "cs-account-status" + (error ? " cs-error" : " cs-ok"); }
    var flash = load("cs-flash", null);
    if (flash) { store("cs-flash", null); say(flash); bar.appendChild(status); }
    var s = currentSession();
    if (s) {
      if (thread.root) thread.root.classList.remove("cs-anon-off");
      var reader = s.reader || { name: "" };
      var actions = [el("span", { className: "cs-signed-in" }, [t("signedInAs", { name: reader.name }) + " ", verifiedMark()]),
        el("button", { type: "button", className: "cs-link", text: t("signOut"), onclick: function () { signOut(); } }),
        el("button", { type: "button", className: "cs-link", text: t("myData"), onclick: function () {
          api("GET", "/api/me/export").then(function (res) {
            if (res.ok) download("my-comments-data.json", res.data); else say(problem(res), true);
          });
        } }),
        el("button", { type: "button", className: "cs-link", text: t("eraseMe"), onclick: function () {
          if (!window.confirm(t("confirmErase"))) return;
          api("DELETE", "/api/me").then(function (res) {
            if (!res.ok) return say(problem(res), true);
            /* The name and address the form remembered were the account's: they go with it. */
            store("cs-session", null); store("cs-author", {}); store("cs-flash", t("erased")); refreshAll();
          });
        } })];
      if (reader.email) {
        var box = el("input", { type: "checkbox", className: "cs-check-input", id: "cs-reply-mails", checked: !!reader.notify_replies });
        box.addEventListener("change", function () {
          api("PATCH", "/api/me", { notify_replies: box.checked }).then(function (res) {
            if (!res.ok) { box.checked = !box.checked; return say(problem(res), true); }
            s.reader = res.data.reader; store("cs-session", s);
          });
        });
        actions.push(el("span", { className: "cs-check" }, [box, el("label", { "for": box.id, text: t("replyMails") })]));
      }
      bar.appendChild(el("div", { className: "cs-row" }, actions));
      bar.appendChild(status);
      return bar;
    }
    signInMethods().then(function (m) {
      var buttons = (m.oidc || []).map(function (p) {
        return el("button", { type: "button", className: "cs-button cs-sign-in", text: t("signInWith", { name: p.label }),
          onclick: function () { openSignIn(p.name, say); } });
      });
      var mailForm = null;
      if (m.mail) {
        var email = el("input", { type: "email", name: "sign_in_email", maxlength: 254, autocomplete: "email",
          "aria-label": t("emailForLink"), placeholder: t("emailForLink") });
        var send = el("button", { type: "submit", className: "cs-button cs-sign-in", text: t("signInMail") });
        mailForm = el("form", { className: "cs-row cs-mail-sign-in", novalidate: true }, [email, send]);
        mailForm.addEventListener("submit", function (event) {
          event.preventDefault();
          var saved = load("cs-author", {}), body = { email: email.value.trim(), page: location.href };
          if (saved.author) body.name = saved.author;
          send.disabled = true;
          api("POST", "/api/session/mail", body).then(function (res) {
            send.disabled = false;
            if (res.ok) say(t("signInMailSent", { email: body.email })); else say(problem(res), true);
          }, function () { send.disabled = false; say(t("network"), true); });
        });
      }
      if (!buttons.length && !mailForm) {
        if (!m.anonymous) bar.appendChild(el("p", { className: "cs-muted", text: t("signInPrompt") }));
        return;
      }
      bar.appendChild(el("p", { className: "cs-account-title", text: m.anonymous ? t("signInOptional") : t("signInPrompt") }));
      if (buttons.length) bar.appendChild(el("div", { className: "cs-row" }, buttons));
      if (mailForm) bar.appendChild(mailForm);
      bar.appendChild(status);
      if (!m.anonymous && thread.root) {
        Array.prototype.forEach.call(thread.root.querySelectorAll("form.cs-form"), function (f) { f.style.display = "none"; });
        thread.anonymousOff = true;
        thread.root.classList.add("cs-anon-off"); /* no Reply that opens nothing: replies need a sign-in too */
      }
    });
    return bar;
  }
  /* A comment form of a signed-in reader: the name is the account's (not typed), the address its confirmed one. */
  function accountForm(thread, form) {
    var s = currentSession();
    if (!s) {
      if (thread.anonymousOff) form.style.display = "none";
      return;
    }
    var name = form.elements.author, email = form.elements.email;
    name.value = (s.reader && s.reader.name) || name.value;
    if (s.reader && s.reader.email) { email.value = s.reader.email; email.dispatchEvent(new Event("input")); }
    if (!email.value) { var notify = form.elements.notify; if (notify && notify.closest(".cs-check")) notify.closest(".cs-check").style.display = "none"; }
    var row = name.closest(".cs-row");
    if (row) row.style.display = "none"; /* .cs-row is display:flex, which the hidden attribute loses to */
  }
  function verifiedMark() {
    return el("span", { className: "cs-verified", title: t("verifiedTitle"), "aria-label": t("verifiedTitle") },
      ["\u2713 " + t("verified")]);
  }
  var ACCOUNT_CSS = ".cs-account{margin:8px 0;padding:8px 12px;border:1px solid var(--cs-line);border-radius:8px}" +
    ".cs-account:empty{display:none}" + /* no way to sign in, nobody signed in: no empty frame */
    ".cs-account-title{margin:0 0 6px;font-size:.9em;color:var(--cs-muted)}.cs-account .cs-row{margin:4px 0}" +
    ".cs-account-status{margin:4px 0 0;font-size:.9em}.cs-account-status:empty{display:none}" +
    ".cs-mail-sign-in input{flex:1 1 200px;width:auto}.cs-sign-in{padding:4px 12px}" +
    ".cs-signed-in{font-weight:600}.cs-verified{color:var(--cs-ok);font-size:.8em;font-weight:600;border:1px solid var(--cs-ok);border-radius:10px;padding:0 6px}";
  window.CommentWidget = {
    login: function (jwt) { return ssoLogin(jwt); },
    logout: function () { return signOut(); },
    reader: function () { var s = currentSession(); return s ? s.reader : null; }
  };
  (function fromScriptTag() {
    var jwt = script && script.getAttribute("data-sso");
    if (jwt) ssoLogin(jwt).catch(function () { /* a stale token from the blog: stay anonymous */ });
  })();

  /* ---- live updates: one EventSource per page (server-sent events) ----
   * New comments wait behind a "2 new comments - show" notice (no text moves under the reader); replies go under
   * their parent after "show"; edits and removals apply in place; counts update the title and the like button;
   * the recent-comments sidebar takes new comments at its top. The stream closes while the tab is hidden and
   * reopens from the last event id; errors reconnect with backoff; without EventSource nothing changes. */
  var LIVE_STRINGS = { liveNew1: "1 new comment - show", liveNewN: "{n} new comments - show" };
  for (var lk in LIVE_STRINGS) if (!(lk in S)) S[lk] = LIVE_STRINGS[lk];
  var live = { threads: [], source: null, last: null, wait: 1000, timer: null, url: null };
  function liveThread(thread) { live.threads.push(thread); }
  /* a thread between two renders (loading again after a sign-in) has its list detached: it waits for the next render */
  function liveThreadsOf(slug) { return live.threads.filter(function (th) { return th.slug === slug && th.list && th.list.parentNode; }); }
  function liveShown(thread, id) { return thread.root.querySelector('.cs-comment[data-id="' + id + '"]'); }
  function liveNotice(thread) {
    if (!thread.liveNotice) {
      thread.livePending = [];
      thread.liveNotice = el("button", { type: "button", className: "cs-button cs-live-notice", hidden: true,
        onclick: function () { liveShowPending(thread); } });
      thread.list.parentNode.insertBefore(el("div", { className: "cs-live", "aria-live": "polite" }, [thread.liveNotice]), thread.list);
    }
    var n = thread.livePending.length;
    thread.liveNotice.hidden = n === 0;
    thread.liveNotice.textContent = n === 1 ? t("liveNew1") : t("liveNewN", { n: n });
  }
  function liveShowPending(thread) {
    var waiting = thread.livePending; thread.livePending = [];
    waiting.forEach(function (c) { if (!liveShown(thread, c.id)) thread.place(c); });
    liveNotice(thread);
  }
  function liveComment(c, slug) {
    liveThreadsOf(slug).forEach(function (thread) {
      if (liveShown(thread, c.id)) { liveUpdated(c, slug); return; } /* the reader's own, shown while it waited */
      if (thread.livePending && thread.livePending.some(function (p) { return p.id === c.id; })) return;
      if (!thread.liveNotice) liveNotice(thread);
      thread.livePending.push(c);
      liveNotice(thread);
    });
  }
  function liveUpdated(c, slug) {
    liveThreadsOf(slug).forEach(function (thread) {
      var old = liveShown(thread, c.id);
      if (!old || old.querySelector(":scope > .cs-edit")) return; /* the reader is editing it: their save shows it */
      var fresh = thread.item(c), replies = old.querySelector(".cs-replies"), into = fresh.querySelector(".cs-replies");
      while (replies && replies.firstChild) into.appendChild(replies.firstChild);
      /* a reply or report the reader is writing stays open, with its text */
      Array.prototype.forEach.call(old.querySelectorAll(":scope > .cs-reply-form, :scope > .cs-report-box"),
        function (open) { fresh.insertBefore(open, into); });
      old.parentNode.replaceChild(fresh, old);
    });
  }
  function liveRemoved(id, slug) {
    liveThreadsOf(slug).forEach(function (thread) {
      if (thread.livePending) { thread.livePending = thread.livePending.filter(function (c) { return c.id !== id; }); liveNotice(thread); }
      var old = liveShown(thread, id);
      if (!old) return;
      var replies = old.querySelector(".cs-replies");
      if (replies && replies.children.length) liveUpdated({ id: id, deleted: true, replies: [] }, slug);
      else old.parentNode.removeChild(old);
    });
  }
  function liveCounts(counts, slug) {
    liveThreadsOf(slug).forEach(function (thread) { thread.setCount(counts.comment_count); });
    Array.prototype.forEach.call(document.querySelectorAll('[data-widget="like"]'), function (node) {
      var count = node.getAttribute("data-post") === slug && node.querySelector(".cs-like-count");
      if (count) count.textContent = counts.like_count === 1 ? t("like1") : t("likeN", { n: counts.like_count });
    });
  }
  function liveRecent(c, removed) {
    Array.prototype.forEach.call(document.querySelectorAll('[data-widget="recent-comments"]'), function (root) {
      var list = root.querySelector("ul.cs-plain"), old = list && list.querySelector('li[data-id="' + c.id + '"]');
      if (old) old.parentNode.removeChild(old);
      if (removed) return;
      if (!list) { list = el("ul", { className: "cs-plain" }); clear(root).appendChild(list); }
      var link = safeUrl(c.post.url);
      list.insertBefore(el("li", { "data-id": c.id }, [el("span", { className: "cs-author", text: c.author }), " " + t("on") + " ",
        link ? el("a", { href: link, text: c.post.title }) : el("span", { text: c.post.title }),
        el("div", { className: "cs-excerpt", text: c.excerpt }), timeEl(c.created_at)]), list.firstChild);
      var limit = parseInt(root.getAttribute("data-limit") || "5", 10);
      while (list.children.length > limit) list.removeChild(list.lastChild);
    });
  }
  function liveHandlers(slug) {
    function on(fn) { return function (e) { live.last = e.lastEventId || live.last; var d; try { d = JSON.parse(e.data); } catch (x) { return; } fn(d); }; }
    var site = slug ? "site-" : "";
    var h = {};
    h[site + "comment"] = on(function (c) { liveRecent(c, false); });
    h[site + "comment-updated"] = on(function (c) { liveRecent(c, false); });
    h[site + "comment-removed"] = on(function (d) { liveRecent(d, true); });
    if (slug) {
      h.comment = on(function (c) { liveComment(c, slug); });
      h["comment-updated"] = on(function (c) { liveUpdated(c, slug); });
      h["comment-removed"] = on(function (d) { liveRemoved(d.id, slug); });
      h.counts = on(function (d) { liveCounts(d, slug); });
    }
    h.reset = on(function () { liveThreadsOf(slug).forEach(function (thread) { thread.reload(); }); });
    return h;
  }
  function liveOpen() {
    if (live.source || !live.url || document.hidden) return;
    var url = live.url + (live.last ? (live.url.indexOf("?") < 0 ? "?" : "&") + "last_event_id=" + encodeURIComponent(live.last) : "");
    var source;
    try { source = new EventSource(url); } catch (e) { return; }
    live.source = source;
    var handlers = liveHandlers(live.slug);
    Object.keys(handlers).forEach(function (name) { source.addEventListener(name, handlers[name]); });
    source.onopen = function () { live.wait = 1000; document.documentElement.setAttribute("data-cs-live", "open"); };
    source.onmessage = function (e) { if (e.lastEventId) live.last = e.lastEventId; };
    source.onerror = function () {
      if (source.readyState !== 2) return; /* the browser reconnects by itself, with Last-Event-ID */
      liveClose();
      live.timer = setTimeout(liveOpen, live.wait);
      live.wait = Math.min(live.wait * 2, 60000);
    };
  }
  function liveClose() {
    document.documentElement.setAttribute("data-cs-live", "closed");
    if (live.timer) { clearTimeout(live.timer); live.timer = null; }
    if (live.source) { if (live.source.lastEventId) live.last = live.source.lastEventId; live.source.close(); live.source = null; }
  }
  function liveStart() {
    if (!window.EventSource || live.url) return;
    var post = document.querySelector('[data-widget="comments"][data-post], [data-widget="like"][data-post]');
    var sidebar = document.querySelector('[data-widget="recent-comments"]');
    live.slug = post ? post.getAttribute("data-post") : null;
    if (live.slug) live.url = API + "/api/posts/" + encodeURIComponent(live.slug) + "/events" + (sidebar ? "?site=1" : "");
    else if (sidebar) live.url = API + "/api/events";
    if (!live.url) return;
    document.addEventListener("visibilitychange", function () { if (document.hidden) liveClose(); else liveOpen(); });
    liveOpen();
  }
  CSS += ".cs-anon-off .cs-reply{display:none}.cs-live{margin:4px 0}.cs-live-notice{display:block;width:100%;margin:4px 0}.cs-live-notice[hidden]{display:none}";

  var WIDGETS = { comments: function (n) { new Thread(n); }, like: Like, "recent-comments": RecentComments,
    "popular-tags": PopularTags, "recent-posts": RecentPosts };
  function init() {
    if (!document.getElementById("cs-style")) document.head.appendChild(el("style", { id: "cs-style", text: CSS + ACCOUNT_CSS + COMMUNITY_CSS }));
    var nodes = Array.prototype.filter.call(document.querySelectorAll("[data-widget]"), function (node) {
      return WIDGETS[node.getAttribute("data-widget")] && !node.getAttribute("data-cs-ready");
    });
    loadPage(nodes);
    loadCounts();
    nodes.forEach(function (node) {
      node.setAttribute("data-cs-ready", "1");
      node.classList.add("cs-root");
      localize(node);
      WIDGETS[node.getAttribute("data-widget")](node);
    });
    liveStart();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
  window.CommentWidgets = { init: init, strings: S, safeUrl: safeUrl, languages: LOCALES };
})();
