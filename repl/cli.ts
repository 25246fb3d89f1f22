console.log("scry");
