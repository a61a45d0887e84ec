package synth

// Names and streets that make the synthetic identifiers look real, so that
// privacy tests have something realistic to catch. Given names are drawn
// from ONS "Baby names in England and Wales" top lists of several decades;
// family names from the most common surnames in Great Britain, including
// the South Asian names common in West Yorkshire.

var maleNames = []string{
	"Oliver", "George", "Harry", "Jack", "Jacob", "Noah", "Charlie", "Muhammad", "Thomas", "Oscar",
	"William", "James", "Leo", "Alfie", "Henry", "Joshua", "Freddie", "Archie", "Ethan", "Isaac",
	"Daniel", "Samuel", "Joseph", "Mohammed", "Adam", "Ryan", "Liam", "Luke", "Matthew", "Callum",
	"David", "John", "Michael", "Paul", "Andrew", "Mark", "Stephen", "Richard", "Peter", "Robert",
	"Christopher", "Anthony", "Kevin", "Gary", "Ian", "Neil", "Brian", "Kenneth", "Dennis", "Ronald",
	"Ali", "Imran", "Bilal", "Hamza", "Zain", "Kieran", "Connor", "Dylan", "Reece", "Jamie",
}

var femaleNames = []string{
	"Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia",
	"Grace", "Freya", "Evie", "Poppy", "Emily", "Ella", "Charlotte", "Florence", "Willow", "Aisha",
	"Jessica", "Hannah", "Lauren", "Sophie", "Chloe", "Megan", "Rebecca", "Laura", "Amy", "Emma",
	"Sarah", "Claire", "Nicola", "Lisa", "Joanne", "Michelle", "Helen", "Susan", "Karen", "Julie",
	"Margaret", "Patricia", "Barbara", "Dorothy", "Joan", "Jean", "Irene", "Doris", "Elsie", "Edna",
	"Fatima", "Maryam", "Zara", "Ayesha", "Sana", "Nadia", "Kelly", "Gemma", "Leanne", "Stacey",
}

var familyNames = []string{
	"Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
	"Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
	"Patel", "Khan", "Hussain", "Ali", "Ahmed", "Akhtar", "Begum", "Iqbal", "Shah", "Mahmood",
	"Harrison", "Lewis", "Martin", "Cooper", "Hill", "Ward", "Hughes", "Moore", "Clark", "King",
	"Baker", "Turner", "Edwards", "Lee", "Allen", "Mitchell", "Shaw", "Holmes", "Barker", "Sykes",
	"Haigh", "Hirst", "Firth", "Crowther", "Brook", "Lockwood", "Ackroyd", "Greenwood", "Sutcliffe", "Hepworth",
	"Wainwright", "Pickles", "Marsden", "Kaur", "Singh", "Nowak", "Kowalski", "Murphy", "Kelly", "O'Brien",
}

var streetNames = []string{
	"Church", "Park", "Station", "Victoria", "Manor", "Mill", "School", "Chapel", "Green", "Queen",
	"King", "Springfield", "Highfield", "Moor", "Westfield", "Beech", "Oak", "Ash", "Elm", "Willow",
	"Cross", "Bank", "Hollin", "Lister", "Halifax", "Wakefield", "Leeds", "Bradford", "York", "Albert",
	"Hawthorn", "Meadow", "Windsor", "Grange", "Brook", "Hall", "Cemetery", "Town End", "Lidget", "Fold",
}

var streetKinds = []string{"Road", "Street", "Lane", "Avenue", "Close", "Crescent", "Drive", "Grove", "Terrace", "Way"}

// inwardLetters are the letters a postcode's inward unit may use (Royal
// Mail's Postcode Address File rules: never C, I, K, M, O or V).
const inwardLetters = "ABDEFGHJLNPQRSTUWXYZ"
