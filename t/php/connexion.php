<?php
// The legacy login page, unchanged: its form posts "identifiant" and "mdp"
// to connexion.php, which nginx now hands to the module's portal.
header('Content-Type: text/html; charset=utf-8');
?>
<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8"><title>Connexion</title></head>
<body>
<h1>Espace copropriétaires</h1>
<form method="post" action="connexion.php">
  <label>Numéro de compte <input type="text" name="identifiant"></label>
  <label>Mot de passe <input type="password" name="mdp"></label>
  <button type="submit">Se connecter</button>
</form>
</body></html>
